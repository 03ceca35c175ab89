import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated, CurrentPrincipal } from '../access/authenticated.decorator.js';
import { Permission, type Principal } from '../access/principal.js';
import {
  ChangeUserRoleDto,
  CreateUserDto,
  ListUsersQueryDto,
  ResetPasswordDto,
  toUserResponse,
  UserIdParamsDto,
  UserPageDto,
  UserResponseDto,
} from './users.dto.js';
import { UsersService } from './users.service.js';
import { ApiErrors } from '../openapi.js';

@ApiTags('users')
@ApiBearerAuth()
@Authenticated({ permission: Permission.UserManage })
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a user' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiErrors('EMAIL_TAKEN', 'INVALID_ROLE_SCOPE', 'TENANT_NOT_FOUND')
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
  @ApiOperation({ summary: 'Users, oldest first (tenant admins: their tenant; platform admins: any)' })
  @ApiOkResponse({ type: UserPageDto })
  @ApiErrors('INVALID_CURSOR')
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListUsersQueryDto): Promise<UserPageDto> {
    const page = await this.users.list(principal, query);
    return { items: page.items.map(toUserResponse), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One user' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('USER_NOT_FOUND')
  async get(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParamsDto): Promise<UserResponseDto> {
    return toUserResponse(await this.users.get(principal, params.id));
  }

  /** Disables the user, ends its sessions and revokes the API keys it created. Idempotent. */
  @Post(':id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Disable a user: sessions end, its API keys are revoked (idempotent)' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('USER_NOT_FOUND', 'CANNOT_MANAGE_SELF', 'LAST_PLATFORM_ADMIN')
  async disable(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParamsDto): Promise<UserResponseDto> {
    return toUserResponse(await this.users.disable(principal, params.id));
  }

  /** Lets a disabled user log in again (its revoked keys stay revoked). Idempotent. */
  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Let a disabled user sign in again (idempotent)' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('USER_NOT_FOUND', 'CANNOT_MANAGE_SELF')
  async enable(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParamsDto): Promise<UserResponseDto> {
    return toUserResponse(await this.users.enable(principal, params.id));
  }

  /** Swaps tenant-admin and member; a demotion revokes the API keys the user created. */
  @Put(':id/role')
  @ApiOperation({ summary: "Change a user's role between tenant-admin and member" })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('USER_NOT_FOUND', 'CANNOT_MANAGE_SELF', 'INVALID_ROLE_SCOPE')
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
  @ApiOperation({ summary: "Set another user's password (its sessions end)" })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiErrors('USER_NOT_FOUND', 'CANNOT_MANAGE_SELF')
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
  @ApiOperation({ summary: 'Delete a user for good' })
  @ApiErrors('USER_NOT_FOUND', 'CANNOT_MANAGE_SELF', 'LAST_PLATFORM_ADMIN')
  async delete(@CurrentPrincipal() principal: Principal, @Param() params: UserIdParamsDto): Promise<void> {
    await this.users.delete(principal, params.id);
  }
}
