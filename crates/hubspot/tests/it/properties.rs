use hubspot::{Error, ObjectType, PropertyCreate, PropertyGroupCreate, PropertyOption};

use crate::support::{Sim, unlimited};

const C: ObjectType = ObjectType::Contacts;

fn group() -> PropertyGroupCreate {
    PropertyGroupCreate {
        name: "ai_enrichment".into(),
        label: "AI enrichment".into(),
        display_order: Some(-1),
    }
}

#[tokio::test]
async fn groups_and_properties_round_trip_with_conflicts() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();

    let created = client.create_property_group(C, &group()).await.unwrap();
    assert_eq!(created.name, "ai_enrichment");
    let dup = client.create_property_group(C, &group()).await.unwrap_err();
    assert!(matches!(dup, Error::Conflict(_)), "{dup:?}");
    let groups = client.list_property_groups(C).await.unwrap();
    assert!(
        groups
            .iter()
            .any(|g| g.name == "ai_enrichment" && g.label == "AI enrichment")
    );

    let mut summary = PropertyCreate::new(
        "ai_summary",
        "AI summary",
        "string",
        "textarea",
        "ai_enrichment",
    );
    summary.description = Some("Rolling summary of recent activity".into());
    let made = client.create_property(C, &summary).await.unwrap();
    assert_eq!(made.property_type, "string");
    assert_eq!(made.field_type, "textarea");
    assert_eq!(made.group_name, "ai_enrichment");

    let again = client.create_property(C, &summary).await.unwrap_err();
    let Error::Conflict(api) = &again else {
        panic!("expected 409 Conflict, got {again:?}")
    };
    assert_eq!(api.status, 409);

    let fetched = client.get_property(C, "ai_summary").await.unwrap();
    assert_eq!(fetched.label, "AI summary");
    assert_eq!(fetched.description, "Rolling summary of recent activity");
    let missing = client.get_property(C, "does_not_exist").await.unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");

    let all = client.list_properties(C).await.unwrap();
    assert!(
        all.iter().any(|p| p.name == "email"),
        "standard properties are listed"
    );
    assert!(all.iter().any(|p| p.name == "ai_summary"));
    sim.shutdown().await;
}

#[tokio::test]
async fn batch_create_reports_per_property_failures() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    client.create_property_group(C, &group()).await.unwrap();
    client
        .create_property(
            C,
            &PropertyCreate::new("ai_model", "AI model", "string", "text", "ai_enrichment"),
        )
        .await
        .unwrap();

    let mut signals = PropertyCreate::new(
        "ai_intent_signals",
        "AI intent signals",
        "enumeration",
        "checkbox",
        "ai_enrichment",
    );
    signals.options = vec![
        PropertyOption::new("pricing"),
        PropertyOption::new("demo_request"),
    ];
    let batch = vec![
        PropertyCreate::new(
            "ai_generated_score",
            "AI score",
            "number",
            "number",
            "ai_enrichment",
        ),
        signals,
        PropertyCreate::new("ai_model", "AI model", "string", "text", "ai_enrichment"),
    ];
    let result = client.batch_create_properties(C, &batch).await.unwrap();
    let names: Vec<&str> = result.results.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"ai_intent_signals"));
    assert_eq!(result.errors.len(), 1);
    assert_eq!(result.failed_ids(), vec!["ai_model"]);
    let signals = client.get_property(C, "ai_intent_signals").await.unwrap();
    assert_eq!(signals.options.len(), 2);
    assert_eq!(signals.options[0].value, "pricing");
    sim.shutdown().await;
}
