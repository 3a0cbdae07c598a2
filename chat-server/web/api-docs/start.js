// Renders the server's own OpenAPI document with the vendored Swagger UI (no network beyond
// this server). Loaded as a plain script after swagger-ui-bundle.js, which defines the global.
/* global SwaggerUIBundle */
SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#reference',
  deepLinking: true,
  tryItOutEnabled: false,
  validatorUrl: null,
});
