import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import {
  ChangeUserRoleDto,
  CreateUserDto,
  ListUsersQueryDto,
  ResetPasswordDto,
  toUserResponse,
  UserIdParamsDto,
  UserResponseDto,
} from './users.dto.js';
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

  @Get(':id')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParamsDto): Promise<UserResponseDto> {
    return toUserResponse(await this.users.get(principal, params.id));
  }

  /** Disables the user, ends its sessions and revokes the API keys it created. Idempotent. */
  @Post(':id/disable')
  @HttpCode(200)
  async disable(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParamsDto): Promise<UserResponseDto> {
    return toUserResponse(await this.users.disable(principal, params.id));
  }

  /** Lets a disabled user log in again (its revoked keys stay revoked). Idempotent. */
  @Post(':id/enable')
  @HttpCode(200)
  async enable(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParamsDto): Promise<UserResponseDto> {
    return toUserResponse(await this.users.enable(principal, params.id));
  }

  /** Swaps tenant-admin and member; a demotion revokes the API keys the user created. */
  @Put(':id/role')
  async changeRole(
    @CurrentPrincipal() principal: Principal,
    @Param() params: UserIdParamsDto,
    @Body() body: ChangeUserRoleDto,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.users.changeRole(principal, params.id, body.role));
  }

  /** Sets a new password for another user and ends its sessions. */
  @Post(':id/password')
  @HttpCode(200)
  async resetPassword(
    @CurrentPrincipal() principal: Principal,
    @Param() params: UserIdParamsDto,
    @Body() body: ResetPasswordDto,
  ): Promise<UserResponseDto> {
    return toUserResponse(await this.users.resetPassword(principal, params.id, body.password));
  }

  /** Deletes the user for good: its sessions end and the API keys it created are revoked. */
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  async delete(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParamsDto): Promise<void> {
    await this.users.delete(principal, params.id);
  }
}
