//! Shared by the example programs and their tests: a local server that answers two sample operations
//! as their reference pages document, and the calls that send them through the generated client.
//!
//! The server also stands in for Microsoft Entra ID: it grants the example app a token by the client
//! credentials grant, which the client fetches as it would from `login.microsoftonline.com`.
//!
//! The server is strict: a request only gets the documented answer when method, path, bearer token,
//! `Content-Type` and JSON body are exactly as documented; anything else gets wiremock's 404, which the
//! client reports as a typed error.

use graph_client::beta;
use graph_client::beta::models::{
    AnyDeviceAndAppManagementAssignmentTarget, ConfigurationManagerCollectionAssignmentTarget,
    DeviceAndAppManagementAssignmentSource, DeviceAndAppManagementAssignmentTarget,
    DeviceEnrollmentConfigurationsAssignRequest, EnrollmentConfigurationAssignment,
};
use serde_json::{json, Value};
use wiremock::matchers::{body_json, body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The token the local server grants the example app and expects on every Graph request.
pub const EXAMPLE_TOKEN: &str = "example-token";

/// The example app registration: its tenant, client id and secret (a real program reads them from
/// its configuration, e.g. with `ClientCredentials::from_env`).
pub const EXAMPLE_TENANT: &str = "contoso.onmicrosoft.com";
/// See [`EXAMPLE_TENANT`].
pub const EXAMPLE_CLIENT_ID: &str = "4a1aa1d5-c567-49d0-ad0b-cd957a47f842";
/// See [`EXAMPLE_TENANT`].
pub const EXAMPLE_CLIENT_SECRET: &str = "example-secret";

/// The enrollment configuration the examples work on.
pub const CONFIGURATION_ID: &str = "2d4fb4b0-d3b2-4bb8-b6a6-6e2f0a1bd9a7";

/// The request body documented in docs-input/000 (beta create enrollmentConfigurationAssignment).
pub fn documented_create_request() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.enrollmentConfigurationAssignment",
        "target": {
            "@odata.type": "microsoft.graph.configurationManagerCollectionAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": "Device And App Management Assignment Filter Id value",
            "deviceAndAppManagementAssignmentFilterType": "include",
            "collectionId": "Collection Id value"
        },
        "source": "policySets",
        "sourceId": "Source Id value"
    })
}

/// The response body documented in docs-input/000.
pub fn documented_create_response() -> Value {
    json!({
        "@odata.type": "#microsoft.graph.enrollmentConfigurationAssignment",
        "id": "705b021c-021c-705b-1c02-5b701c025b70",
        "target": {
            "@odata.type": "microsoft.graph.configurationManagerCollectionAssignmentTarget",
            "deviceAndAppManagementAssignmentFilterId": "Device And App Management Assignment Filter Id value",
            "deviceAndAppManagementAssignmentFilterType": "include",
            "collectionId": "Collection Id value"
        },
        "source": "policySets",
        "sourceId": "Source Id value"
    })
}

/// The request body documented in docs-input/004 (beta deviceEnrollmentConfiguration assign).
pub fn documented_assign_request() -> Value {
    json!({
        "enrollmentConfigurationAssignments": [{
            "@odata.type": "#microsoft.graph.enrollmentConfigurationAssignment",
            "id": "705b021c-021c-705b-1c02-5b701c025b70",
            "target": {"@odata.type": "microsoft.graph.deviceAndAppManagementAssignmentTarget"}
        }]
    })
}

/// The URL path of `/deviceManagement/deviceEnrollmentConfigurations/{CONFIGURATION_ID}/<action>` in beta.
pub fn configuration_url_path(action: &str) -> String {
    format!("/beta/deviceManagement/deviceEnrollmentConfigurations/{CONFIGURATION_ID}/{action}")
}

/// Starts a server on 127.0.0.1 that grants [`EXAMPLE_TOKEN`] to the example app and answers create
/// with the documented `201` and assign with `204`.
pub async fn start_sample_server() -> MockServer {
    let server = MockServer::start().await;
    mount_token_endpoint(&server).await;
    let documented = |action: &str, body: Value| {
        Mock::given(method("POST"))
            .and(path(configuration_url_path(action)))
            .and(header("authorization", format!("Bearer {EXAMPLE_TOKEN}").as_str()))
            .and(header("content-type", "application/json"))
            .and(body_json(body))
    };
    documented("assignments", documented_create_request())
        .respond_with(ResponseTemplate::new(201).set_body_json(documented_create_response()))
        .mount(&server)
        .await;
    documented("assign", documented_assign_request())
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    server
}

/// The URL path of the example tenant's token endpoint on the local server.
pub fn token_url_path() -> String {
    format!("/{EXAMPLE_TENANT}/oauth2/v2.0/token")
}

/// Makes `server` grant [`EXAMPLE_TOKEN`] to the example app, as Entra ID's token endpoint would.
pub async fn mount_token_endpoint(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path(token_url_path()))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains(format!("client_id={EXAMPLE_CLIENT_ID}")))
        .and(body_string_contains(format!("client_secret={EXAMPLE_CLIENT_SECRET}")))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"token_type": "Bearer", "expires_in": 3599, "access_token": EXAMPLE_TOKEN}),
        ))
        .mount(server)
        .await;
}

/// A beta client of the generated crate sending to `base_url`, with the example app's tokens from
/// the same server (its `authority_host`; a real program keeps the cloud's).
pub fn beta_client(base_url: &str) -> Result<beta::Client, graph_runtime::Error> {
    let credentials =
        graph_runtime::ClientCredentials::builder(EXAMPLE_TENANT, EXAMPLE_CLIENT_ID, EXAMPLE_CLIENT_SECRET)
            .authority_host(base_url)
            .build()?;
    let runtime = graph_runtime::Client::builder().base_url(base_url).token_provider(credentials).build()?;
    Ok(beta::Client::new(runtime))
}

/// The assignment of docs-input/000's example, built from the typed models.
pub fn new_assignment() -> EnrollmentConfigurationAssignment {
    let target = ConfigurationManagerCollectionAssignmentTarget {
        odata_type: Some("microsoft.graph.configurationManagerCollectionAssignmentTarget".to_owned()),
        collection_id: Some("Collection Id value".to_owned()),
        device_and_app_management_assignment_filter_id: Some(
            "Device And App Management Assignment Filter Id value".to_owned(),
        ),
        device_and_app_management_assignment_filter_type: Some("include".to_owned()),
        ..Default::default()
    };
    EnrollmentConfigurationAssignment {
        odata_type: Some("#microsoft.graph.enrollmentConfigurationAssignment".to_owned()),
        target: Some(
            AnyDeviceAndAppManagementAssignmentTarget::ConfigurationManagerCollectionAssignmentTarget(target),
        ),
        source: Some(DeviceAndAppManagementAssignmentSource::PolicySets),
        source_id: Some("Source Id value".to_owned()),
        ..Default::default()
    }
}

/// The assign request of docs-input/004's example, built from the typed models.
pub fn assign_request(assignment_id: &str) -> DeviceEnrollmentConfigurationsAssignRequest {
    let target = DeviceAndAppManagementAssignmentTarget {
        odata_type: Some("microsoft.graph.deviceAndAppManagementAssignmentTarget".to_owned()),
        ..Default::default()
    };
    DeviceEnrollmentConfigurationsAssignRequest {
        enrollment_configuration_assignments: Some(vec![EnrollmentConfigurationAssignment {
            odata_type: Some("#microsoft.graph.enrollmentConfigurationAssignment".to_owned()),
            id: Some(assignment_id.to_owned()),
            target: Some(AnyDeviceAndAppManagementAssignmentTarget::DeviceAndAppManagementAssignmentTarget(
                target,
            )),
            ..Default::default()
        }]),
        ..Default::default()
    }
}
