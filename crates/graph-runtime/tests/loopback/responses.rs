//! Success and error responses: typed bodies, `()` for 204, typed Graph errors, decode errors.

use graph_runtime::Error;
use serde_json::{json, Value};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn create_sends_the_documented_request_and_reads_the_typed_response() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(create_assignment_url_path()))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(body_json(documented_request()))
        .respond_with(ResponseTemplate::new(201).set_body_json(documented_response()))
        .expect(1)
        .mount(&server)
        .await;

    let assignment: Assignment = client(&server.uri())
        .send_json(
            CREATE_ASSIGNMENT,
            &configuration_path(CONFIGURATION_ID).literal("assignments"),
            Some(&documented_request()),
        )
        .await
        .unwrap();

    assert_eq!(assignment.id, "705b021c-021c-705b-1c02-5b701c025b70");
    assert_eq!(assignment.source, "policySets");
    assert_eq!(assignment.source_id, "Source Id value");
    assert_eq!(assignment.target["collectionId"], "Collection Id value");
}

#[tokio::test]
async fn the_user_agent_names_the_crate_and_default_headers_are_sent() {
    let server = MockServer::start().await;
    Mock::given(header("user-agent", concat!("graph-runtime/", env!("CARGO_PKG_VERSION"))))
        .and(header("consistencylevel", "eventual"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).default_header("ConsistencyLevel", "eventual").build().unwrap();
    client.send_no_content::<Value>(GET_ITEM, &graph_runtime::RequestPath::root(), None).await.unwrap();
}

#[tokio::test]
async fn assign_returns_unit_on_204() {
    let server = MockServer::start().await;
    let assign_body = json!({"enrollmentConfigurationAssignments": [{
        "@odata.type": "#microsoft.graph.enrollmentConfigurationAssignment",
        "id": "2a1c7a9e-7a9e-2a1c-9e7a-1c2a9e7a1c2a",
        "target": {"@odata.type": "microsoft.graph.allDevicesAssignmentTarget"},
        "source": "policySets",
        "sourceId": "Source Id value"
    }]});
    Mock::given(method("POST"))
        .and(path(format!("/beta/deviceManagement/deviceEnrollmentConfigurations/{CONFIGURATION_ID}/assign")))
        .and(body_json(&assign_body))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    let result: () = client(&server.uri())
        .send_no_content(ASSIGN, &configuration_path(CONFIGURATION_ID).literal("assign"), Some(&assign_body))
        .await
        .unwrap();
    assert_eq!(result, ());
}

#[tokio::test]
async fn a_graph_error_body_becomes_a_typed_error_with_code_message_and_request_id() {
    let server = MockServer::start().await;
    let error_body = json!({"error": {
        "code": "Request_ResourceNotFound",
        "message": "Resource 'x' does not exist or one of its queried reference-property objects are not present.",
        "innerError": {
            "date": "2024-05-01T10:00:00",
            "request-id": "9a2e1b3c-0000-4000-8000-00000000abcd",
            "client-request-id": "c1c1c1c1-0000-4000-8000-000000000001"
        },
        "details": [{"code": "NotFound", "message": "No such configuration", "target": "id"}]
    }});
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("request-id", "9a2e1b3c-0000-4000-8000-00000000abcd")
                .set_body_json(error_body),
        )
        .mount(&server)
        .await;

    let error = client(&server.uri())
        .send_json::<_, Assignment>(
            CREATE_ASSIGNMENT,
            &configuration_path("x").literal("assignments"),
            Some(&json!({})),
        )
        .await
        .unwrap_err();

    let graph = error.as_graph().expect("a Graph error");
    assert_eq!(graph.status.as_u16(), 404);
    assert_eq!(graph.code(), Some("Request_ResourceNotFound"));
    assert_eq!(graph.request_id(), Some("9a2e1b3c-0000-4000-8000-00000000abcd"));
    assert_eq!(graph.client_request_id(), Some("c1c1c1c1-0000-4000-8000-000000000001"));
    assert_eq!(graph.date(), Some("2024-05-01T10:00:00"));
    assert_eq!(graph.details()[0].code, "NotFound");
    assert_eq!(graph.attempts, 1);
    assert_eq!(graph.headers["request-id"], "9a2e1b3c-0000-4000-8000-00000000abcd");
    assert_eq!(
        error.to_string(),
        "POST /beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments: \
         HTTP 404 Not Found: Request_ResourceNotFound: Resource 'x' does not exist or one of its queried \
         reference-property objects are not present. (request-id 9a2e1b3c-0000-4000-8000-00000000abcd)"
    );
}

#[tokio::test]
async fn an_error_body_that_is_not_json_is_kept_raw_with_status_and_headers() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(500).set_body_raw("<html>proxy exploded</html>", "text/html"))
        .mount(&server)
        .await;

    let error = client(&server.uri())
        .send_json::<Value, Value>(
            GET_ITEM,
            &graph_runtime::RequestPath::root().literal("items").param("1"),
            None,
        )
        .await
        .unwrap_err();

    let graph = error.as_graph().expect("a Graph error");
    assert!(graph.body.is_none());
    assert_eq!(graph.raw_body, "<html>proxy exploded</html>");
    assert_eq!(graph.headers["content-type"], "text/html");
    assert!(error
        .to_string()
        .contains("HTTP 500 Internal Server Error: body starts \"<html>proxy exploded</html>\""));
}

#[tokio::test]
async fn a_body_of_the_wrong_shape_is_a_decode_error_naming_type_and_json_path() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "1", "source": "direct", "sourceId": 42, "target": {}
        })))
        .mount(&server)
        .await;

    let error = client(&server.uri())
        .send_json::<_, Assignment>(
            CREATE_ASSIGNMENT,
            &configuration_path("1").literal("assignments"),
            Some(&json!({})),
        )
        .await
        .unwrap_err();

    let Error::Decode(decode) = &error else { panic!("expected a decode error, got {error:?}") };
    assert_eq!(decode.path, "sourceId");
    assert!(decode.type_name.ends_with("support::Assignment"), "{}", decode.type_name);
    let message = error.to_string();
    assert!(message.contains("HTTP 201 Created response is not a valid `"), "{message}");
    assert!(message.contains("at `sourceId`: invalid type: integer `42`, expected a string"), "{message}");
    assert!(message.contains("body starts \"{"), "{message}");
}

#[tokio::test]
async fn a_body_that_is_not_json_at_all_is_a_decode_error_showing_its_start() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("Service is up"))
        .mount(&server)
        .await;

    let error = client(&server.uri())
        .send_json::<Value, Assignment>(GET_ITEM, &graph_runtime::RequestPath::root(), None)
        .await
        .unwrap_err();

    let Error::Decode(decode) = &error else { panic!("expected a decode error, got {error:?}") };
    assert_eq!(decode.body_start, "Service is up");
    assert!(decode.message.contains("expected value"), "{}", decode.message);
}
