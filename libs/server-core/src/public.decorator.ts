import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'extplat:public';

/** Marks a route that needs no principal (health probes, login). Everything else is denied by default. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
