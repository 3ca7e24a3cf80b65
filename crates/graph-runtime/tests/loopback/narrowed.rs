//! Operations narrowed to some `@odata.type`s (`Operation::narrowed_to`): where the service answers
//! every kind of device configuration to a page documenting one kind, a list keeps that kind's items
//! on every page and a single object of another kind is a decode error, not a value of the wrong type.

use futures_util::TryStreamExt;
use graph_runtime::{Error, Json, Method, Operation, Paged, Request, RequestPath};
use serde::Deserialize;
use serde_json::{json, Value};
use wiremock::matchers::{path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

/// As the generated crate writes a list whose page documents one kind of configuration (and a kind
/// derived from it) at the path that lists every kind.
const LIST_WINDOWS_CONFIGURATIONS: Operation =
    Operation::new(Method::Get, "beta", "/deviceManagement/deviceConfigurations")
        .narrowed_to(&["windows10GeneralConfiguration", "windows10TeamGeneralConfiguration"]);
const GET_WINDOWS_CONFIGURATION: Operation =
    Operation::new(Method::Get, "beta", "/deviceManagement/deviceConfigurations/{deviceConfigurationId}")
        .narrowed_to(&["windows10GeneralConfiguration"]);
/// The same path, not narrowed: the page listing every kind.
const LIST_CONFIGURATIONS: Operation =
    Operation::new(Method::Get, "beta", "/deviceManagement/deviceConfigurations");

/// What the items share; every other property is ignored, so a wrong kind would read "fine".
#[derive(Debug, Deserialize, PartialEq)]
struct Configuration {
    id: String,
}

fn configurations() -> RequestPath {
    RequestPath::root().literal("deviceManagement").literal("deviceConfigurations")
}

fn item(id: &str, odata_type: Option<&str>) -> Value {
    match odata_type {
        Some(name) => json!({"@odata.type": format!("#microsoft.graph.{name}"), "id": id}),
        None => json!({"id": id}),
    }
}

/// Two pages of mixed kinds, as the service answers `GET /deviceManagement/deviceConfigurations`.
async fn mount_mixed_pages(server: &MockServer) {
    let next = format!("{}/beta/deviceManagement/deviceConfigurations?$skiptoken=2", server.uri());
    let first = json!({
        "value": [
            item("w1", Some("windows10GeneralConfiguration")),
            item("i1", Some("iosGeneralDeviceConfiguration")),
            item("t1", Some("windows10TeamGeneralConfiguration")),
            item("u1", None),
        ],
        "@odata.nextLink": next,
    });
    let second = json!({
        "value": [item("a2", Some("androidGeneralDeviceConfiguration")), item("w2", Some("windows10GeneralConfiguration"))],
    });
    Mock::given(path("/beta/deviceManagement/deviceConfigurations"))
        .and(query_param_is_missing("$skiptoken"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .mount(server)
        .await;
    Mock::given(path("/beta/deviceManagement/deviceConfigurations"))
        .and(query_param("$skiptoken", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(second))
        .mount(server)
        .await;
}

fn ids(items: &[Configuration]) -> Vec<&str> {
    items.iter().map(|item| item.id.as_str()).collect()
}

#[tokio::test]
async fn a_narrowed_list_keeps_its_own_and_derived_kinds_and_untyped_items_on_every_page() {
    let server = MockServer::start().await;
    mount_mixed_pages(&server).await;
    let client = client(&server.uri());
    let request: Request<'static, Paged<Configuration>> =
        Request::new(&client, LIST_WINDOWS_CONFIGURATIONS, configurations());

    let first_page = request.clone().await.unwrap();
    assert_eq!(ids(&first_page.value), ["w1", "t1", "u1"]);
    assert!(first_page.next_link.is_some(), "the page's next link stays, whatever was left out");

    let all: Vec<Configuration> = request.items().try_collect().await.unwrap();
    assert_eq!(ids(&all), ["w1", "t1", "u1", "w2"]);
}

#[tokio::test]
async fn the_list_that_is_not_narrowed_reads_every_kind() {
    let server = MockServer::start().await;
    mount_mixed_pages(&server).await;
    let client = client(&server.uri());
    let request: Request<'static, Paged<Configuration>> =
        Request::new(&client, LIST_CONFIGURATIONS, configurations());

    let all: Vec<Configuration> = request.items().try_collect().await.unwrap();

    assert_eq!(ids(&all), ["w1", "i1", "t1", "u1", "a2", "w2"]);
}

async fn get_one(answer: Value) -> Result<Configuration, Error> {
    let server = MockServer::start().await;
    Mock::given(path("/beta/deviceManagement/deviceConfigurations/c1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let request: Request<'static, Json<Configuration>> =
        Request::new(&client, GET_WINDOWS_CONFIGURATION, configurations().param("c1"));
    request.await
}

#[tokio::test]
async fn a_narrowed_get_reads_its_own_kind_and_an_untyped_object() {
    let own = get_one(item("c1", Some("windows10GeneralConfiguration"))).await.unwrap();
    assert_eq!(own.id, "c1");
    let untyped = get_one(item("c1", None)).await.unwrap();
    assert_eq!(untyped.id, "c1");
}

#[tokio::test]
async fn a_narrowed_get_refuses_another_kind_saying_which_at_odata_type() {
    let Err(Error::Decode(error)) = get_one(item("c1", Some("iosGeneralDeviceConfiguration"))).await else {
        panic!("an iOS configuration must not read as a Windows one");
    };
    assert_eq!(error.path, "@odata.type");
    assert!(error.message.contains("`iosGeneralDeviceConfiguration`"), "{}", error.message);
    assert!(error.message.contains("`windows10GeneralConfiguration`"), "{}", error.message);
    let shown = error.to_string();
    assert!(
        shown.starts_with("GET /beta/deviceManagement/deviceConfigurations/{deviceConfigurationId}"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_refused_kind_is_not_confused_with_a_decode_failure_of_the_right_kind() {
    // The right kind with a wrong property type still fails where the property is.
    let Err(Error::Decode(error)) =
        get_one(json!({"@odata.type": "#microsoft.graph.windows10GeneralConfiguration", "id": 7})).await
    else {
        panic!("a number is not a string id");
    };
    assert_eq!(error.path, "id");
}

#[tokio::test]
async fn a_narrowed_answer_that_is_not_json_names_the_type_it_was_to_be_read_as() {
    let server = MockServer::start().await;
    Mock::given(path("/beta/deviceManagement/deviceConfigurations"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{\"value\": [oops]}"))
        .mount(&server)
        .await;
    let client = client(&server.uri());
    let request: Request<'static, Paged<Configuration>> =
        Request::new(&client, LIST_WINDOWS_CONFIGURATIONS, configurations());

    let Err(Error::Decode(error)) = request.await else { panic!("not JSON") };
    assert!(
        error.type_name.ends_with("Collection<loopback::narrowed::Configuration>"),
        "{}",
        error.type_name
    );
}
