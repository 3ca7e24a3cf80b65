//! Starts a local server that answers as the reference pages document (and grants the example app
//! its token, as Microsoft Entra ID would), then calls two sample operations through the generated
//! client, authenticated by the client credentials grant: beta create
//! enrollmentConfigurationAssignment (a typed `201` body) and beta assign (`204`, so `()`).
//!
//! Run it with `cargo run -p graph-client-examples --example local_server`.

use graph_client::beta::models::AnyDeviceAndAppManagementAssignmentTarget;
use graph_client_examples::{
    assign_request, beta_client, new_assignment, start_sample_server, CONFIGURATION_ID,
};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), graph_runtime::Error> {
    let server = start_sample_server().await;
    println!("local server listening on {}", server.uri());

    let client = beta_client(&server.uri())?;
    let configuration = client.device_management().device_enrollment_configurations().by_id(CONFIGURATION_ID);

    let created = configuration.assignments().post(&new_assignment()).await?;
    println!("created enrollmentConfigurationAssignment:");
    println!("  id:       {}", created.id.as_deref().unwrap_or("<none>"));
    println!("  source:   {}", created.source.as_ref().map_or("<none>", |source| source.as_str()));
    println!("  sourceId: {}", created.source_id.as_deref().unwrap_or("<none>"));
    if let Some(AnyDeviceAndAppManagementAssignmentTarget::ConfigurationManagerCollectionAssignmentTarget(
        target,
    )) = &created.target
    {
        println!("  target:   collection {}", target.collection_id.as_deref().unwrap_or("<none>"));
    }

    let assignment_id = created.id.clone().unwrap_or_default();
    let () = configuration.assign().post(&assign_request(&assignment_id)).await?;
    println!("assigned configuration {CONFIGURATION_ID} with assignment {assignment_id}: 204 No Content");
    Ok(())
}
