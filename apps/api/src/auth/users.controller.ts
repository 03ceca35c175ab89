import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from './authenticated.decorator.js';
import { Permission, type Principal } from './principal.js';
import { CreateUserDto, ListUsersQueryDto, toUserResponse, UserResponseDto } from './users.dto.js';
import { UsersService } from './users.service.js';

@ApiTags('users')
@ApiBearerAuth()
@Authenticated({ permission: Permission.UserManage })
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateUserDto): Promise<UserResponseDto> {
    const user = await this.users.create(principal, {
      email: body.email,
      password: body.password,
      role: body.role,
      tenantId: body.tenantId,
    });
    return toUserResponse(user);
  }

  @Get()
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListUsersQueryDto): Promise<UserResponseDto[]> {
    return (await this.users.list(principal, query.tenantId)).map(toUserResponse);
  }
}
