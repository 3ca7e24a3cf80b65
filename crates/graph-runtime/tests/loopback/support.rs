//! Shared fixtures: the sample operations, their documented bodies, a test token and a fast client.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use graph_runtime::transport::{HttpRequest, HttpResponse, TransportFuture};
use graph_runtime::{
    Client, ClientBuilder, Method, Operation, RequestPath, RetryPolicy, StaticToken, Transport,
    TransportError, TransportErrorKind,
};
use serde::Deserialize;
use serde_json::{json, Value};

/// A token distinctive enough that finding it anywhere in output is a real leak.
pub const TOKEN: &str = "tok-7f3c9a-never-print-me";

/// The id used in the sample pages' example URLs.
pub const CONFIGURATION_ID: &str = "2d4fb4b0-d3b2-4bb8-b6a6-6e2f0a1bd9a7";

/// Beta "Create enrollmentConfigurationAssignment" (docs-input/000).
pub const CREATE_ASSIGNMENT: Operation = Operation::new(
    Method::Post,
    "beta",
    "/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assignments",
);

/// Beta "deviceEnrollmentConfiguration: assign" (docs-input/004).
pub const ASSIGN: Operation = Operation::new(
    Method::Post,
    "beta",
    "/deviceManagement/deviceEnrollmentConfigurations/{deviceEnrollmentConfigurationId}/assign",
);

/// A plain read, for tests about paths and parallelism.
pub const GET_ITEM: Operation = Operation::new(Method::Get, "v1.0", "/items/{id}");

/// `/deviceManagement/deviceEnrollmentConfigurations/{id}`.
pub fn configuration_path(id: &str) -> RequestPath {
    RequestPath::root().literal("deviceManagement").literal("deviceEnrollmentConfigurations").param(id)
}

/// The URL path the server sees for [`CREATE_ASSIGNMENT`] on [`CONFIGURATION_ID`].
pub fn create_assignment_url_path() -> String {
    format!("/beta/deviceManagement/deviceEnrollmentConfigurations/{CONFIGURATION_ID}/assignments")
}

/// The request body of the documented example of docs-input/000.
pub fn documented_request() -> Value {
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

/// The response body of the documented example of docs-input/000.
pub fn documented_response() -> Value {
    let mut response = documented_request();
    if let Some(object) = response.as_object_mut() {
        object.insert("id".to_owned(), json!("705b021c-021c-705b-1c02-5b701c025b70"));
    }
    response
}

/// The part of an enrollmentConfigurationAssignment these tests read back.
#[derive(Debug, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Assignment {
    pub id: String,
    pub source: String,
    pub source_id: String,
    pub target: Value,
}

/// Retries that wait milliseconds, not seconds, so the suite stays fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(40))
        .with_max_total_wait(Duration::from_secs(5))
}

/// A builder pointed at `base_url` with the test token, fast retries and a short timeout.
pub fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .token_provider(StaticToken::new(TOKEN))
        .retry_policy(fast_retries())
        .timeout(Duration::from_secs(5))
}

/// A client pointed at `base_url` with the test defaults.
pub fn client(base_url: &str) -> Client {
    builder(base_url).build().expect("the test configuration is valid")
}

/// The value of header `name` on a received request, as text.
pub fn header<'a>(request: &'a wiremock::Request, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|value| value.to_str().ok())
}

/// A transport answering from a script, last answer first, and remembering every request it was
/// given; once the script is exhausted, each request fails as a transport error.
#[derive(Clone, Default)]
pub struct Scripted {
    pub answers: Arc<Mutex<Vec<HttpResponse>>>,
    pub seen: Arc<Mutex<Vec<HttpRequest>>>,
}

impl Transport for Scripted {
    fn send(&self, request: HttpRequest) -> TransportFuture<'_> {
        self.seen.lock().unwrap().push(request);
        let answer = self.answers.lock().unwrap().pop();
        Box::pin(async move {
            answer.ok_or_else(|| TransportError::new(TransportErrorKind::Other, "script exhausted"))
        })
    }
}
