import { Controller, Get, Inject, Module } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../access/authenticated.decorator.js';
import { Permission } from '../access/principal.js';
import { API_CONFIG } from '../config/config.module.js';
import type { ApiConfig } from '../config/api-config.js';

export class ConsoleConfigResponseDto {
  @ApiProperty({
    example: 'https://ext-ui.example.com',
    description: 'Where extension UIs are served (RUNNER_PUBLIC_BASE): the console frames them from there',
  })
  runnerPublicBase!: string;
}

/** What the console needs to know about this deployment. */
@ApiTags('console')
@Controller('api/console-config')
export class ConsoleConfigController {
  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {}

  @Get()
  @Authenticated({ permission: Permission.SessionRead })
  @ApiOperation({ summary: "The deployment's settings the console needs (the Runner's public base)" })
  @ApiOkResponse({ type: ConsoleConfigResponseDto })
  get(): ConsoleConfigResponseDto {
    return { runnerPublicBase: this.config.runner.publicBase };
  }
}

@Module({ controllers: [ConsoleConfigController] })
export class ConsoleConfigModule {}
