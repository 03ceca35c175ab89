import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { PASSWORD_MAX_LENGTH } from '../identity/password.js';
import { ROLES, type Principal, type Role } from '../access/principal.js';

export class LoginDto {
  @ApiProperty({ example: 'admin@example.com', maxLength: 320 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(320)
  email!: string;

  // No minimum here: a login only checks the password, and the length rule must not hint at anything.
  @ApiProperty({ format: 'password', maxLength: PASSWORD_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(PASSWORD_MAX_LENGTH)
  password!: string;
}

export class PrincipalDto {
  @ApiProperty({ enum: ['user', 'api-key'] }) kind!: Principal['kind'];
  @ApiProperty({ format: 'uuid', description: "The user's id, or the API key's id" }) id!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null for platform admins' })
  tenantId!: string | null;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ description: "The user's email or the key's name" }) name!: string;
}

export class LoginResponseDto {
  @ApiProperty({ description: 'Send as `Authorization: Bearer <accessToken>`' }) accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: 'Bearer';
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: PrincipalDto }) principal!: PrincipalDto;
}

export function toPrincipalDto(principal: Principal): PrincipalDto {
  return {
    kind: principal.kind,
    id: principal.id,
    tenantId: principal.tenantId,
    role: principal.role,
    name: principal.name,
  };
}
