//! The OpenAPI 3.1 document, generated from the route table that also builds the router.

use axum::Json;
use serde_json::{Value, json};

use super::routes::{self, Access};

/// `GET /api/v1/openapi.json`.
pub(super) async fn document() -> Json<Value> {
    Json(build())
}

fn build() -> Value {
    let mut paths = serde_json::Map::new();
    for route in routes::all() {
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|segment| segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        let success = if route.returns == "204" { "204" } else { "200" };
        let mut responses = serde_json::Map::new();
        responses.insert(success.to_owned(), json!({ "description": route.returns }));
        for (code, why) in [
            ("400", "invalid input"),
            ("401", "missing or bad token"),
            ("403", "forbidden"),
            ("404", "not found"),
            ("429", "rate limited"),
        ] {
            responses.insert(code.to_owned(), json!({ "description": why, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }));
        }
        let mut operation = json!({
            "summary": route.summary,
            "operationId": format!("{}_{}", route.method, route.path.replace(['/', '{', '}', '@', '-'], "_").trim_matches('_')),
            "parameters": parameters,
            "responses": responses,
        });
        if let Some(body) = route.body {
            operation["requestBody"] = json!({ "description": body, "content": { "application/json": { "schema": { "type": "object", "title": body } } } });
        }
        if route.access == Access::User {
            operation["security"] = json!([{ "bearer": [] }]);
        }
        let entry = paths
            .entry(format!("/api/v1{}", route.path))
            .or_insert_with(|| json!({}));
        entry[route.method] = operation;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "chat", "version": env!("CARGO_PKG_VERSION") },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": { "Error": { "type": "object", "required": ["code", "message"], "properties": { "code": { "type": "string" }, "message": { "type": "string" } } } }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_route_is_documented() {
        let doc = super::build();
        let routes = super::routes::all();
        for route in &routes {
            let path = format!("/api/v1{}", route.path);
            assert!(
                doc["paths"][&path][route.method].is_object(),
                "{} {path} is missing",
                route.method
            );
        }
        assert!(routes.len() >= 50, "{} routes", routes.len());
    }
}
