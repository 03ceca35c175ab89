import { Controller, Get, Inject, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { SIGNING_POLICIES, type SigningPolicy } from '@extplat/signing';
import { Authenticated } from '../access/authenticated.decorator.js';
import { Permission } from '../access/principal.js';
import { API_CONFIG } from '../config/config.module.js';
import type { ApiConfig } from '../config/api-config.js';
import { VerificationModule } from '../verification/verification.module.js';
import { VerificationService } from '../verification/verification.service.js';

export class TrustedCaDto {
  @ApiProperty({ example: 'CN=extplat development CA (.data) 3f9a1c2e' }) subject!: string;
  @ApiProperty({ description: 'SHA-256 of the DER certificate, 64 lowercase hex digits' }) fingerprint!: string;
}

export class ConsoleConfigResponseDto {
  @ApiProperty({
    example: 'https://ext-ui.example.com',
    description: 'Where extension UIs are served (RUNNER_PUBLIC_BASE): the console frames them from there',
  })
  runnerPublicBase!: string;

  @ApiProperty({
    enum: SIGNING_POLICIES,
    description:
      'SIGNING_POLICY: with `enforce` an unsigned bundle is rejected, so the console refuses it before uploading',
  })
  signingPolicy!: SigningPolicy;

  @ApiProperty({ type: [TrustedCaDto], description: 'The CAs of the trust bundle (empty when none is configured)' })
  trustedCas!: TrustedCaDto[];
}

/** What the console needs to know about this deployment. */
@ApiTags('console')
@Controller('api/console-config')
export class ConsoleConfigController {
  constructor(
    @Inject(API_CONFIG) private readonly config: ApiConfig,
    private readonly verification: VerificationService,
  ) {}

  @Get()
  @Authenticated({ permission: Permission.SessionRead })
  @ApiOperation({ summary: "The deployment's settings the console needs (Runner base, signing policy, trusted CAs)" })
  @ApiOkResponse({ type: ConsoleConfigResponseDto })
  get(): ConsoleConfigResponseDto {
    return {
      runnerPublicBase: this.config.runner.publicBase,
      signingPolicy: this.verification.policy,
      trustedCas: this.verification.trustedCas,
    };
  }
}

@Module({ imports: [VerificationModule], controllers: [ConsoleConfigController] })
export class ConsoleConfigModule {}
