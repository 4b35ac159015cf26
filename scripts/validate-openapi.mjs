// Validates an OpenAPI document (file path argument) with @apidevtools/swagger-parser, which
// checks OpenAPI 3.1 documents against the 3.1 JSON Schema and resolves every $ref.
// Exit code 0 when valid; the validator's message and exit code 1 otherwise.
import SwaggerParser from "@apidevtools/swagger-parser";

const file = process.argv[2];
try {
  const api = await SwaggerParser.validate(file);
  if (!String(api.openapi).startsWith("3.1")) {
    throw new Error(`expected an OpenAPI 3.1 document, got openapi: ${api.openapi}`);
  }
  console.log(`valid OpenAPI ${api.openapi}: ${Object.keys(api.paths ?? {}).length} paths`);
} catch (e) {
  console.error(`invalid OpenAPI document: ${e.message}`);
  process.exit(1);
}
