use futures::StreamExt;
use hubspot::{Error, ListSearch};
use serde_json::json;

use crate::support::{Sim, create_contacts, unlimited};

#[tokio::test]
async fn search_lists_and_page_memberships_by_250() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 600).await;
    let created = sim
        .admin(
            "lists",
            json!({ "name": "Q3 Re-enrichment", "contactIds": ids }),
        )
        .await;
    let list_id = created["listId"].as_str().unwrap().to_owned();
    sim.admin(
        "lists",
        json!({ "name": "Unrelated", "contactIds": [ids[0]] }),
    )
    .await;

    let page = client
        .search_lists(&ListSearch::named("re-enrich"))
        .await
        .unwrap();
    assert_eq!(page.lists.len(), 1);
    assert_eq!(page.lists[0].list_id, list_id);
    assert_eq!(page.lists[0].name, "Q3 Re-enrichment");
    let one = client.get_list(&list_id).await.unwrap();
    assert_eq!(one.name, "Q3 Re-enrichment");
    assert_eq!(one.member_count(), Some(600));
    let all = client.search_all_lists(None).await.unwrap();
    assert_eq!(all.len(), 2);

    sim.reset_stats().await;
    let members = client.all_list_memberships(&list_id).await.unwrap();
    assert_eq!(members.len(), 600);
    let mut got: Vec<String> = members.into_iter().map(|m| m.record_id).collect();
    let mut want = ids.clone();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(
        sim.count("GET /crm/v3/lists/{listId}/memberships").await,
        3,
        "600 members at 250 per page"
    );

    // The stream is lazy: taking 10 members costs one page.
    sim.reset_stats().await;
    let first: Vec<_> = client.list_memberships(&list_id).take(10).collect().await;
    assert!(first.iter().all(Result::is_ok));
    assert_eq!(first.len(), 10);
    assert_eq!(sim.count("GET /crm/v3/lists/{listId}/memberships").await, 1);

    // Manual paging with a cursor (what a resumable batch run persists).
    let p1 = client
        .list_memberships_page(&list_id, None, 1000)
        .await
        .unwrap();
    assert_eq!(p1.results.len(), 250, "limit is capped at 250");
    let p2 = client
        .list_memberships_page(&list_id, p1.next_after.as_deref(), 250)
        .await
        .unwrap();
    assert_ne!(p1.results[0].record_id, p2.results[0].record_id);

    let missing = client.all_list_memberships("424242").await.unwrap_err();
    assert!(matches!(missing, Error::NotFound(_)), "{missing:?}");
    sim.shutdown().await;
}
