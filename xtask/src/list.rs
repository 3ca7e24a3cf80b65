//! `cargo xtask list`: one line per (version, method, path) over every operation, sorted, e.g.
//! `beta POST /deviceManagement/deviceConfigurations/{deviceConfigurationId}/assign -> 200 Collection(deviceConfigurationAssignment)`.

use std::collections::BTreeSet;

use graph_ir::Api;

/// The listing of every operation's paths, sorted by version, method and path, without duplicates.
pub fn operation_lines(api: &Api) -> Vec<String> {
    let mut lines = BTreeSet::new();
    for operation in &api.operations {
        let response = match &operation.response.body {
            Some(body) => format!("{} {}", operation.response.status, body),
            None => operation.response.status.to_string(),
        };
        for path in &operation.paths {
            lines.insert((operation.version, operation.method.as_str(), path.raw.as_str(), response.clone()));
        }
    }
    lines
        .into_iter()
        .map(|(version, method, path, response)| {
            format!("{} {method} {path} -> {response}", version.as_str())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use graph_ir::{
        ApiVersion, HttpMethod, Operation, OperationKind, PathTemplate, Permissions, Primitive,
        PrivilegeOrder, Response, Span, TypeRef,
    };

    fn operation(
        version: ApiVersion,
        method: HttpMethod,
        paths: &[&str],
        status: u16,
        body: Option<TypeRef>,
    ) -> Operation {
        let span = Span::new("page.md", 1);
        Operation {
            version,
            name: "operation".into(),
            kind: OperationKind::Other,
            title: "Operation".into(),
            description: None,
            method,
            paths: paths
                .iter()
                .map(|raw| PathTemplate { raw: (*raw).to_owned(), segments: Vec::new(), span: span.clone() })
                .collect(),
            request_headers: Vec::new(),
            query_options: Vec::new(),
            request_body: None,
            response: Response { status, body, span: span.clone() },
            permissions: Permissions {
                order: PrivilegeOrder::Unstated,
                entries: Vec::new(),
                include: None,
                span: None,
            },
            examples: Vec::new(),
            national_clouds: Vec::new(),
            sources: vec![span],
            narrowed: None,
        }
    }

    #[test]
    fn lists_one_line_per_version_method_and_path_in_order() {
        let api = Api {
            operations: vec![
                operation(
                    ApiVersion::V1_0,
                    HttpMethod::POST,
                    &["/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments"],
                    201,
                    Some(TypeRef::Named("enrollmentConfigurationAssignment".into())),
                ),
                operation(
                    ApiVersion::Beta,
                    HttpMethod::POST,
                    &["/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments"],
                    201,
                    Some(TypeRef::Named("enrollmentConfigurationAssignment".into())),
                ),
                operation(
                    ApiVersion::Beta,
                    HttpMethod::POST,
                    &["/deviceManagement/deviceConfigurations/{deviceConfigurationId}/assign", "/me/assign"],
                    200,
                    Some(TypeRef::Collection(Box::new(TypeRef::Named("deviceConfiguration".into())))),
                ),
                operation(ApiVersion::Beta, HttpMethod::DELETE, &["/me/thing"], 204, None),
                operation(ApiVersion::Beta, HttpMethod::GET, &["/me/name"], 200, Some(TypeRef::Primitive(Primitive::String))),
            ],
            ..Api::default()
        };
        assert_eq!(
            operation_lines(&api),
            [
                "beta DELETE /me/thing -> 204",
                "beta GET /me/name -> 200 String",
                "beta POST /deviceManagement/deviceConfigurations/{deviceConfigurationId}/assign -> 200 Collection(deviceConfiguration)",
                "beta POST /deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments -> 201 enrollmentConfigurationAssignment",
                "beta POST /me/assign -> 200 Collection(deviceConfiguration)",
                "v1.0 POST /deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments -> 201 enrollmentConfigurationAssignment",
            ]
        );
    }
}
