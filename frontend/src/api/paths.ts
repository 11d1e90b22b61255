// What each route takes and returns, read off the generated OpenAPI types (schema.d.ts): the
// fetch layer (client.ts) types its calls with these, so a request names a path of the API as
// the server declares it ("/api/jobs/{job_id}") and gets that route's response type.
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];
export type Method = "get" | "put" | "post" | "delete";

/** The paths that have a `method` operation. */
export type PathsWith<M extends Method> = {
  [P in keyof paths]: paths[P][M] extends undefined ? never : P;
}[keyof paths];

export type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

type Parameters<O> = O extends { parameters: infer T } ? T : never;
type Query<O> = NonNullable<Parameters<O> extends { query?: infer Q } ? Q : never>;
type Body<O> = O extends { requestBody?: infer B } ? NonNullable<B> : never;

/** A JSON body, or FormData for a multipart upload. */
type BodyOption<O> = [Body<O>] extends [never]
  ? { body?: never }
  : Body<O> extends { content: { "application/json": infer T } }
    ? { body: T }
    : Body<O> extends { content: { "multipart/form-data": unknown } }
      ? { body: FormData }
      : { body?: never };

/** Path and query parameters, as the route declares them (`path` is required where it has any). */
export type UrlOptions<O> = {
  [K in keyof Parameters<O> as K extends "path" | "query" ? K : never]: Parameters<O>[K];
};
export type RequestOptions<O> = UrlOptions<O> & BodyOption<O>;

/** `[options]`, optional when nothing in them is required. */
export type Args<T> = object extends T ? [options?: T] : [options: T];

type Responses<O> = O extends { responses: infer R } ? R : never;
type Success<O> = Responses<O>[Extract<keyof Responses<O>, 200 | 201 | 202>];
type JsonContent<R> = R extends { content: { "application/json": infer T } } ? T : never;

/** The JSON a route answers with; void for a route that answers 204 only (a DELETE). */
export type Json<O> = [Success<O>] extends [never] ? void : JsonContent<Success<O>>;

/** The GET paths that take `if_cached` (answered 204, not 404, until a job has computed them). */
export type CachedPaths = {
  [P in PathsWith<"get">]: [Query<Operation<P, "get">>] extends [never]
    ? never
    : "if_cached" extends keyof Query<Operation<P, "get">>
      ? P
      : never;
}[PathsWith<"get">];
