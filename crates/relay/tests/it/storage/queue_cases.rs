//! Queue cases: dedupe, lease/ack/nack, visibility, dead letters, isolation, concurrency.

use std::collections::HashSet;
use std::sync::Arc;

use steward_relay::store::{QueueStore, Receipt, Store};

use super::{OTHER, PORTAL, T0, VIS, ev, params, receipt};

pub(super) async fn dedupes_on_all_four_key_fields(store: Store) {
    let r = store
        .ingest(vec![ev(PORTAL, 1, 10), ev(PORTAL, 2, 10)], T0)
        .await
        .unwrap();
    assert_eq!((r.inserted, r.duplicates), (vec![(PORTAL, 2)], 0));
    // Same key again (a HubSpot retry), plus the same eventId with another occurredAt,
    // another subscription, and another portal: only the exact repeat is a duplicate.
    let mut other_sub = ev(PORTAL, 1, 10);
    other_sub.subscription_id = 8;
    let r = store
        .ingest(
            vec![
                ev(PORTAL, 1, 10),
                ev(PORTAL, 1, 11),
                other_sub,
                ev(OTHER, 1, 10),
            ],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(r.duplicates, 1);
    assert_eq!(r.inserted_total(), 3);
    // Duplicates inside one batch.
    let r = store
        .ingest(vec![ev(PORTAL, 50, 1), ev(PORTAL, 50, 1)], T0)
        .await
        .unwrap();
    assert_eq!((r.inserted_total(), r.duplicates), (1, 1));
    // After an ack the key is still remembered (tombstone), so a late retry is dropped.
    let leased = store.lease(params(PORTAL, 100, T0)).await.unwrap();
    assert_eq!(leased.events.len(), 5);
    let receipts = leased.events.iter().map(|e| receipt(&e.receipt)).collect();
    assert_eq!(store.ack(PORTAL, receipts, T0).await.unwrap().matched, 5);
    let r = store
        .ingest(vec![ev(PORTAL, 1, 10)], T0 + 1000)
        .await
        .unwrap();
    assert_eq!((r.inserted_total(), r.duplicates), (0, 1));
}

pub(super) async fn lease_ack_nack_and_stale_receipts(store: Store) {
    store
        .ingest((1..=3).map(|i| ev(PORTAL, i, 1)).collect(), T0)
        .await
        .unwrap();
    let first = store.lease(params(PORTAL, 2, T0)).await.unwrap();
    assert_eq!(first.events.len(), 2);
    assert!(
        first
            .events
            .iter()
            .all(|e| e.receive_count == 1 && e.received_at == T0)
    );
    assert!(first.events[0].payload.contains("\"eventId\""));
    let second = store.lease(params(PORTAL, 10, T0)).await.unwrap();
    assert_eq!(second.events.len(), 1);
    let empty = store.lease(params(PORTAL, 10, T0 + 1)).await.unwrap();
    assert!(empty.events.is_empty());
    assert_eq!(empty.next_visible_at, Some(T0 + VIS));

    let a = receipt(&first.events[0].receipt);
    let b = receipt(&first.events[1].receipt);
    assert_eq!(
        store
            .ack(PORTAL, vec![a.clone()], T0 + 2)
            .await
            .unwrap()
            .matched,
        1
    );
    // Acking twice: stale.
    let again = store.ack(PORTAL, vec![a.clone()], T0 + 3).await.unwrap();
    assert_eq!((again.matched, again.stale), (0, 1));
    // Nack makes it visible at once, with its receive count kept.
    assert_eq!(
        store
            .nack(PORTAL, vec![b.clone()], T0 + 4)
            .await
            .unwrap()
            .matched,
        1
    );
    let re = store.lease(params(PORTAL, 10, T0 + 5)).await.unwrap();
    assert_eq!(re.events.len(), 1);
    assert_eq!(re.events[0].id, b.id);
    assert_eq!(re.events[0].receive_count, 2);
    // The nacked receipt no longer acks anything; a forged token neither.
    assert_eq!(
        store
            .ack(PORTAL, vec![b.clone()], T0 + 6)
            .await
            .unwrap()
            .stale,
        1
    );
    let forged = Receipt {
        id: b.id,
        token: "0".repeat(32),
    };
    assert_eq!(
        store.ack(PORTAL, vec![forged], T0 + 6).await.unwrap().stale,
        1
    );
    assert_eq!(
        store
            .ack(PORTAL, vec![receipt(&re.events[0].receipt)], T0 + 7)
            .await
            .unwrap()
            .matched,
        1
    );
    // Nack with a delay keeps it invisible until then.
    let c = receipt(&second.events[0].receipt);
    store.nack(PORTAL, vec![c], T0 + 10_000).await.unwrap();
    assert!(
        store
            .lease(params(PORTAL, 10, T0 + 9_999))
            .await
            .unwrap()
            .events
            .is_empty()
    );
    assert_eq!(
        store
            .lease(params(PORTAL, 10, T0 + 10_000))
            .await
            .unwrap()
            .events
            .len(),
        1
    );
}

pub(super) async fn visibility_timeout_redelivers(store: Store) {
    store.ingest(vec![ev(PORTAL, 1, 1)], T0).await.unwrap();
    let first = store.lease(params(PORTAL, 1, T0)).await.unwrap().events;
    assert!(
        store
            .lease(params(PORTAL, 1, T0 + VIS - 1))
            .await
            .unwrap()
            .events
            .is_empty()
    );
    let again = store
        .lease(params(PORTAL, 1, T0 + VIS))
        .await
        .unwrap()
        .events;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].id, first[0].id);
    assert_eq!(again[0].receive_count, 2);
    assert_ne!(again[0].receipt, first[0].receipt);
    // The first lease's receipt went stale when the event was leased again.
    let old = store
        .ack(PORTAL, vec![receipt(&first[0].receipt)], T0 + VIS)
        .await
        .unwrap();
    assert_eq!((old.matched, old.stale), (0, 1));
    assert_eq!(
        store
            .ack(PORTAL, vec![receipt(&again[0].receipt)], T0 + VIS)
            .await
            .unwrap()
            .matched,
        1
    );
}

pub(super) async fn dead_letters_after_max_receives_and_redrive(store: Store) {
    store
        .ingest(vec![ev(PORTAL, 1, 1), ev(PORTAL, 2, 1)], T0)
        .await
        .unwrap();
    // max_receives = 3: three leases, then the fourth attempt dead-letters both.
    for i in 0..3 {
        let out = store.lease(params(PORTAL, 10, T0 + i * VIS)).await.unwrap();
        assert_eq!(out.events.len(), 2, "lease {i}");
        assert_eq!(out.events[0].receive_count, (i + 1) as u32);
    }
    let out = store.lease(params(PORTAL, 10, T0 + 3 * VIS)).await.unwrap();
    assert!(out.events.is_empty());
    assert_eq!(out.dead_lettered, 2);
    assert_eq!(out.next_visible_at, None);
    let dead = store.dead_letters(PORTAL, 0, 100).await.unwrap();
    assert_eq!(dead.len(), 2);
    assert!(
        dead.iter()
            .all(|d| d.receive_count == 3 && d.dead_at == T0 + 3 * VIS)
    );
    // Paging.
    let page = store.dead_letters(PORTAL, 0, 1).await.unwrap();
    let rest = store.dead_letters(PORTAL, page[0].id, 10).await.unwrap();
    assert_eq!((page.len(), rest.len()), (1, 1));
    // Redrive one by id, then the rest.
    assert_eq!(
        store
            .redrive(PORTAL, Some(vec![page[0].id]), T0 + 4 * VIS)
            .await
            .unwrap(),
        1
    );
    let back = store
        .lease(params(PORTAL, 10, T0 + 4 * VIS))
        .await
        .unwrap()
        .events;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].receive_count, 1);
    assert_eq!(store.redrive(PORTAL, None, T0 + 4 * VIS).await.unwrap(), 1);
    assert_eq!(store.redrive(PORTAL, None, T0 + 4 * VIS).await.unwrap(), 0);
    assert!(store.dead_letters(PORTAL, 0, 100).await.unwrap().is_empty());
}

pub(super) async fn portals_are_isolated(store: Store) {
    store
        .ingest(vec![ev(PORTAL, 1, 1), ev(OTHER, 2, 1)], T0)
        .await
        .unwrap();
    let mine = store.lease(params(PORTAL, 10, T0)).await.unwrap().events;
    assert_eq!(mine.len(), 1);
    assert!(mine[0].payload.contains("62515"));
    // Another portal cannot ack or nack my receipt.
    let r = receipt(&mine[0].receipt);
    assert_eq!(
        store.ack(OTHER, vec![r.clone()], T0).await.unwrap().stale,
        1
    );
    assert_eq!(
        store.nack(OTHER, vec![r.clone()], T0).await.unwrap().stale,
        1
    );
    assert_eq!(store.redrive(OTHER, None, T0).await.unwrap(), 0);
    assert_eq!(store.ack(PORTAL, vec![r], T0).await.unwrap().matched, 1);
    let theirs = store.lease(params(OTHER, 10, T0)).await.unwrap().events;
    assert_eq!(theirs.len(), 1);
}

pub(super) async fn concurrent_leases_never_share_an_event(store: Store) {
    const N: i64 = 400;
    store
        .ingest((0..N).map(|i| ev(PORTAL, i, 1)).collect::<Vec<_>>(), T0)
        .await
        .unwrap();
    let store = Arc::new(store);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            loop {
                let out = store.lease(params(PORTAL, 7, T0)).await.unwrap();
                if out.events.is_empty() {
                    return got;
                }
                got.extend(out.events.into_iter().map(|e| e.id));
            }
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), N as usize, "every event leased exactly once");
    assert_eq!(unique.len(), N as usize);
}
