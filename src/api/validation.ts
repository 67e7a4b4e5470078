/**
 * Request validation with two ajv instances: the query string and the path are text, so their
 * numbers and lists are converted ("3" → 3, `?state=a` → ["a"]); a JSON body must have the right
 * types as sent ("1" is not a revision). Neither removes unknown fields: the schemas refuse them, so a
 * typo is an error rather than a silent no-op. (TypeBox's own compiler truncates "1.5" to 1.)
 */
import { Ajv } from "ajv";
import type { FastifySchemaCompiler } from "fastify";

const common = { useDefaults: true, removeAdditional: false, allErrors: false, strict: false } as const;
const text = new Ajv({ ...common, coerceTypes: "array" });
const json = new Ajv({ ...common, coerceTypes: false });

// biome-ignore lint/suspicious/noExplicitAny: fastify hands over any schema object
export const validatorCompiler: FastifySchemaCompiler<any> = ({ schema, httpPart }) =>
  (httpPart === "body" ? json : text).compile(schema);
