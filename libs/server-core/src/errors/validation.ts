import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { CommonErrors, DomainError } from './domain-error.js';

export interface ValidationIssue {
  path: string;
  message: string;
}

function flatten(errors: ValidationError[], parent = ''): ValidationIssue[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ path, message }));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}

/** Global request validation: unknown properties are refused, and failures list every issue by path. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) =>
      new DomainError(CommonErrors.VALIDATION_FAILED, 'The request is not valid', { issues: flatten(errors) }),
  });
}
