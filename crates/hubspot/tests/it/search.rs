use hubspot::{Error, Filter, FilterGroup, SearchRequest, SearchSort};

use crate::support::{Sim, create_contacts, unlimited};

#[tokio::test]
async fn search_contacts_by_text_and_filters_with_paging() {
    let sim = Sim::start(unlimited()).await;
    let client = sim.private_client();
    let ids = create_contacts(&client, 5).await;

    let page = client
        .search_contacts(&SearchRequest {
            query: Some("c3@example.com".into()),
            ..SearchRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(page.total, Some(1));
    assert_eq!(page.results[0].id, ids[3]);
    assert_eq!(page.results[0].property("firstname"), Some("C3"));

    let mut search = SearchRequest {
        filter_groups: vec![FilterGroup {
            filters: vec![Filter {
                operator: "HAS_PROPERTY".into(),
                value: None,
                ..Filter::eq("email", "")
            }],
        }],
        sorts: vec![SearchSort {
            property_name: "firstname".into(),
            direction: "DESCENDING".into(),
        }],
        properties: vec!["email".into()],
        limit: Some(3),
        ..SearchRequest::default()
    };
    let first = client.search_contacts(&search).await.unwrap();
    assert_eq!(first.total, Some(5));
    assert_eq!(first.results.len(), 3);
    assert_eq!(first.results[0].id, ids[4], "descending by first name");
    search.after = first.next_after.clone();
    let second = client.search_contacts(&search).await.unwrap();
    assert_eq!(second.results.len(), 2);
    assert_eq!(second.next_after, None);

    let bad = client
        .search_contacts(&SearchRequest {
            filter_groups: vec![FilterGroup {
                filters: vec![Filter {
                    operator: "LIKE".into(),
                    ..Filter::eq("email", "x")
                }],
            }],
            ..SearchRequest::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(bad, Error::Validation(_)), "{bad:?}");
    sim.shutdown().await;
}
