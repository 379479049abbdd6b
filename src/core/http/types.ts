// The hub's app as routes see it: a route's params, query, body and headers are typed from the
// TypeBox schemas it declares (fastify validates them with those schemas, so the types hold at
// run time). Routes without schemas (the cache protocols) name their inputs with route generics.
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';

export type HubApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

/** The same app, its routes' inputs typed from their schemas. */
export const typed = (app: FastifyInstance): HubApp => app.withTypeProvider<TypeBoxTypeProvider>();
