//! The example's calls, checked: typed models built in Rust go out as the documented bodies with a
//! real id, the documented answers come back typed, and a service error comes back typed through a
//! generated method.
//!
//! The generated crate's own tests/examples.rs already checks every documented example (method,
//! path, bearer token, `Content-Type`, body, typed response, `()` on 204) with bodies parsed from the
//! docs' JSON; these tests cover what it does not: bodies built from the typed models, an id that is
//! not the docs' placeholder, the runtime's default headers, a token from the client credentials
//! grant, and errors.

use graph_client::beta::models::{
    AnyDeviceAndAppManagementAssignmentTarget, ConfigurationManagerCollectionAssignmentTarget,
    EnrollmentConfigurationAssignment,
};
use graph_client_examples::*;
use graph_runtime::odata::Polymorphic;
use serde_json::{json, Value};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn create_then_assign_through_the_generated_client_matches_the_docs() {
    let server = start_sample_server().await;
    let client = beta_client(&server.uri()).unwrap();
    let configuration = client.device_management().device_enrollment_configurations().by_id(CONFIGURATION_ID);

    let created = configuration.assignments().post(&new_assignment()).await.unwrap();
    let assigned: () = configuration
        .assign()
        .post(&assign_request(created.id.as_deref().unwrap_or_default()))
        .await
        .unwrap();

    let documented: EnrollmentConfigurationAssignment =
        serde_json::from_value(documented_create_response()).unwrap();
    assert_eq!(created, documented);
    assert_eq!(assigned, ());
    let mut requests = server.received_requests().await.unwrap();
    let paths: Vec<&str> = requests.iter().map(|request| request.url.path()).collect();
    // One token for both calls, fetched before the first.
    assert_eq!(
        paths,
        [token_url_path(), configuration_url_path("assignments"), configuration_url_path("assign")]
    );
    requests.remove(0);
    let bodies: Vec<Value> = requests.iter().map(|request| request.body_json().unwrap()).collect();
    assert_eq!(bodies, [documented_create_request(), documented_assign_request()]);
    for request in &requests {
        assert_eq!(request.headers["accept"], "application/json");
        assert_eq!(request.headers["authorization"], format!("Bearer {EXAMPLE_TOKEN}").as_str());
        assert!(request.headers["user-agent"].to_str().unwrap().starts_with("graph-runtime/"));
    }
}

#[tokio::test]
async fn a_service_error_comes_back_typed_through_a_generated_method() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("POST"))
        .and(path(configuration_url_path("assign")))
        .respond_with(ResponseTemplate::new(403).insert_header("request-id", "rid-403").set_body_json(json!({
            "error": {"code": "Forbidden", "message": "Application is not authorized to perform this operation."}
        })))
        .mount(&server)
        .await;
    let client = beta_client(&server.uri()).unwrap();

    let error = client
        .device_management()
        .device_enrollment_configurations()
        .by_id(CONFIGURATION_ID)
        .assign()
        .post(&assign_request("a"))
        .await
        .unwrap_err();

    let graph = error.as_graph().expect("a typed Graph error");
    assert_eq!(graph.code(), Some("Forbidden"));
    assert_eq!(graph.request_id(), Some("rid-403"));
    assert_eq!(
        error.to_string(),
        "POST /beta/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assign: \
         HTTP 403 Forbidden: Forbidden: Application is not authorized to perform this operation. (request-id rid-403)"
    );
}

#[tokio::test]
async fn a_generated_method_gives_the_response_headers_and_accepts_a_minimal_answer() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let location = format!("https://graph.microsoft.com{}('7')", configuration_url_path("assignments"));
    // As the service answers a create sent with `Prefer: return=minimal`: no body, a `Location`.
    Mock::given(method("POST"))
        .and(path(configuration_url_path("assignments")))
        .and(header("prefer", "return=minimal"))
        .respond_with(
            ResponseTemplate::new(204)
                .insert_header("location", location.as_str())
                .insert_header("request-id", "rid-204"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let client = beta_client(&server.uri()).unwrap();

    let response = client
        .device_management()
        .device_enrollment_configurations()
        .by_id(CONFIGURATION_ID)
        .assignments()
        .post(&new_assignment())
        .header("Prefer", "return=minimal")
        .allow_no_content()
        .response()
        .await
        .unwrap();

    assert_eq!(response.status(), 204);
    assert_eq!(response.headers()["location"], location.as_str());
    assert_eq!(response.headers()["request-id"], "rid-204");
    let created: Option<EnrollmentConfigurationAssignment> = response.into_body();
    assert_eq!(created, None);
}

#[test]
fn a_derived_type_reads_as_its_base_type_keeping_what_the_base_does_not_declare() {
    let documented = json!({
        "@odata.type": "#microsoft.graph.configurationManagerCollectionAssignmentTarget",
        "collectionId": "Collection Id value",
        "deviceAndAppManagementAssignmentFilterType": "include"
    });
    let target: AnyDeviceAndAppManagementAssignmentTarget =
        serde_json::from_value(documented.clone()).unwrap();
    let AnyDeviceAndAppManagementAssignmentTarget::ConfigurationManagerCollectionAssignmentTarget(derived) =
        &target
    else {
        panic!("read as another variant: {target:?}");
    };
    assert_eq!(derived.collection_id.as_deref(), Some("Collection Id value"));

    let base = target.to_base().unwrap();

    assert_eq!(
        base.odata_type.as_deref(),
        Some("#microsoft.graph.configurationManagerCollectionAssignmentTarget")
    );
    assert_eq!(base.additional_properties.get("collectionId"), Some(&json!("Collection Id value")));
    assert_eq!(serde_json::to_value(&base).unwrap(), documented);
    // A derived value built in Rust, without an `@odata.type`, is read as its base with its type named.
    let built = AnyDeviceAndAppManagementAssignmentTarget::ConfigurationManagerCollectionAssignmentTarget(
        ConfigurationManagerCollectionAssignmentTarget {
            collection_id: Some("c".to_owned()),
            ..Default::default()
        },
    );
    assert_eq!(
        built.to_base().unwrap().odata_type.as_deref(),
        Some("#microsoft.graph.configurationManagerCollectionAssignmentTarget")
    );
}

#[test]
fn properties_cleared_by_name_in_rust_go_out_as_null_beside_those_set() {
    // What an update (PATCH) would send: one property set, one cleared (any value marks it).
    let mut changes = EnrollmentConfigurationAssignment { id: Some("a1".to_owned()), ..Default::default() };
    let cleared = graph_runtime::odata::nulls(|assignment: &mut EnrollmentConfigurationAssignment| {
        assignment.target = Some(AnyDeviceAndAppManagementAssignmentTarget::Unknown(Default::default()));
    })
    .unwrap();
    changes.additional_properties.extend(cleared);

    assert_eq!(serde_json::to_value(&changes).unwrap(), json!({"id": "a1", "target": null}));
}

#[tokio::test]
async fn a_property_both_set_and_cleared_fails_the_request_before_anything_is_sent() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let client = beta_client(&server.uri()).unwrap();
    let mut contradictory = new_assignment();
    contradictory.id = Some("a1".to_owned());
    contradictory.additional_properties.extend(
        graph_runtime::odata::nulls(|assignment: &mut EnrollmentConfigurationAssignment| {
            assignment.id = Some(String::new());
        })
        .unwrap(),
    );

    let error = client
        .device_management()
        .device_enrollment_configurations()
        .by_id(CONFIGURATION_ID)
        .assignments()
        .post(&contradictory)
        .await
        .unwrap_err();

    assert!(matches!(error, graph_runtime::Error::Encode { .. }), "{error:?}");
    assert!(error.to_string().contains("`id` is both a set property and an additional property"), "{error}");
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|request| request.url.path() == token_url_path()), "{requests:?}");
}

#[tokio::test]
async fn generated_requests_go_in_batches_in_order_and_come_back_typed() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    Mock::given(method("POST"))
        .and(path("/beta/$batch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"responses": [
            {"id": "1", "status": 204, "headers": {}},
            {"id": "0", "status": 201, "headers": {"Content-Type": "application/json"}, "body": documented_create_response()},
        ]})))
        .expect(2)
        .mount(&server)
        .await;
    let client = beta_client(&server.uri()).unwrap();
    let configuration = client.device_management().device_enrollment_configurations().by_id(CONFIGURATION_ID);
    let (assignment, assign) = (new_assignment(), assign_request("a1"));

    // The assignments are replaced only once the new one is created: in a later `$batch`.
    let mut batch = client.runtime().batch();
    let created = batch.add(configuration.assignments().post(&assignment));
    let assigned = batch.add_after([created.id()], configuration.assign().post(&assign));
    let mut answers = batch.send().await;

    let documented: EnrollmentConfigurationAssignment =
        serde_json::from_value(documented_create_response()).unwrap();
    assert_eq!(answers.take(created).unwrap(), documented);
    let assigned: () = answers.take(assigned).unwrap();
    assert_eq!(assigned, ());
    let requests = server.received_requests().await.unwrap();
    let batch_requests: Vec<_> =
        requests.iter().filter(|request| request.url.path() == "/beta/$batch").collect();
    let sent: Vec<Value> = batch_requests.iter().map(|request| request.body_json().unwrap()).collect();
    let beta = "/beta";
    let expected = [
        json!({"requests": [{
            "id": "0", "method": "POST",
            "url": configuration_url_path("assignments").trim_start_matches(beta),
            "headers": {"Content-Type": "application/json"},
            "body": documented_create_request(),
        }]}),
        json!({"requests": [{
            "id": "1", "method": "POST",
            "url": configuration_url_path("assign").trim_start_matches(beta),
            "headers": {"Content-Type": "application/json"},
            "body": serde_json::to_value(&assign).unwrap(),
        }]}),
    ];
    assert_eq!(sent, expected);
    for request in batch_requests {
        assert_eq!(request.headers["authorization"], format!("Bearer {EXAMPLE_TOKEN}").as_str());
    }
}
