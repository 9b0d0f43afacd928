mod support;

use domain::{CertPin, Field};
use sea_orm::DatabaseConnection;
use support::{actor, email, settings, PASSWORD};

support::on_both_backends!(
    probe_records_start_empty_and_finish_with_the_report,
    a_save_links_the_successful_probe_of_exactly_those_values,
    certificate_pins_round_trip_and_are_audited,
    each_connection_attempt_moves_the_attempts_position,
    an_end_users_passing_test_vouches_for_no_admin_save,
);

/// An end user connecting an inbox to a domain without settings types them; their passing test
/// must not count as "tested" when an admin saves the same values.
async fn an_end_users_passing_test_vouches_for_no_admin_save(db: &DatabaseConnection) {
    let typed = settings("typed.example");
    let run = storage::ProbeRun::InboxConnect;
    let id = storage::start_probe_record(db, &actor(), None, &typed, run)
        .await
        .unwrap();
    storage::finish_probe_record(db, id, &actor(), true, None, "{}")
        .await
        .unwrap();
    assert!(!storage::get_probe(db, id).await.unwrap().unwrap().by_admin);
    assert_eq!(
        storage::successful_probe_for(db, &typed).await.unwrap(),
        None
    );
    let created = storage::create_domain(db, &actor(), typed).await.unwrap();
    let history = storage::domain_history(db, created.id, 10).await.unwrap();
    assert_eq!(history[0].probe_report_id, None, "{history:?}");
}

async fn probe_records_start_empty_and_finish_with_the_report(db: &DatabaseConnection) {
    let id = storage::start_probe_record(
        db,
        &actor(),
        None,
        &settings("a.example"),
        storage::ProbeRun::Admin,
    )
    .await
    .unwrap();
    let running = storage::get_probe(db, id).await.unwrap().unwrap();
    assert_eq!(running.report, None);
    assert_eq!(running.settings, settings("a.example"));
    assert!(running.finished_at.is_none());
    storage::finish_probe_record(
        db,
        id,
        &actor(),
        false,
        Some("imap_settings_incorrect"),
        "{\"ok\":false}",
    )
    .await
    .unwrap();
    let done = storage::get_probe(db, id).await.unwrap().unwrap();
    assert_eq!(done.report.as_deref(), Some("{\"ok\":false}"));
    assert_eq!(done.category.as_deref(), Some("imap_settings_incorrect"));
    assert!(!done.ok);
    assert!(done.finished_at.is_some());
}

async fn a_save_links_the_successful_probe_of_exactly_those_values(db: &DatabaseConnection) {
    let tested = settings("a.example");
    let failed = storage::start_probe_record(db, &actor(), None, &tested, storage::ProbeRun::Admin)
        .await
        .unwrap();
    storage::finish_probe_record(db, failed, &actor(), false, Some("unauthorized"), "{}")
        .await
        .unwrap();
    assert_eq!(
        storage::successful_probe_for(db, &tested).await.unwrap(),
        None
    );
    let passed = storage::start_probe_record(db, &actor(), None, &tested, storage::ProbeRun::Admin)
        .await
        .unwrap();
    storage::finish_probe_record(db, passed, &actor(), true, None, "{}")
        .await
        .unwrap();
    assert_eq!(
        storage::successful_probe_for(db, &tested).await.unwrap(),
        Some(passed)
    );

    let mut other = tested.clone();
    other.allow_non_secure_certificate = true;
    assert_eq!(
        storage::successful_probe_for(db, &other).await.unwrap(),
        None,
        "exact values only"
    );

    let stored = storage::create_domain(db, &actor(), tested).await.unwrap();
    let updated = storage::update_domain(db, &actor(), stored.id, 1, other)
        .await
        .unwrap();
    let history = storage::domain_history(db, updated.id, 1000).await.unwrap();
    assert_eq!(
        history[0].probe_report_id, None,
        "the update was not tested"
    );
    assert_eq!(history[1].probe_report_id, Some(passed));
}

async fn certificate_pins_round_trip_and_are_audited(db: &DatabaseConnection) {
    let stored = storage::create_domain(db, &actor(), settings("a.example"))
        .await
        .unwrap();
    let mut pinned = stored.settings.clone();
    pinned.imap_cert_pin = Some(CertPin::new(&"ab".repeat(32), "2026-11-22").unwrap());
    let updated = storage::update_domain(db, &actor(), stored.id, 1, pinned.clone())
        .await
        .unwrap();
    assert_eq!(updated.settings, pinned);
    let reread = storage::get_domain(db, stored.id).await.unwrap().unwrap();
    assert_eq!(reread.settings.imap_cert_pin, pinned.imap_cert_pin);
    let history = storage::domain_history(db, stored.id, 1000).await.unwrap();
    assert_eq!(history[0].changes.len(), 1);
    assert_eq!(history[0].changes[0].field, Field::ImapCertPin);
}

async fn each_connection_attempt_moves_the_attempts_position(db: &DatabaseConnection) {
    let user = storage::create_user(
        db,
        &actor(),
        &email("end.user@new.example"),
        PASSWORD,
        domain::Role::User,
        false,
    )
    .await
    .unwrap();
    let before = storage::list_positions(db).await.unwrap();
    let typed = settings("new.example");
    let probe = storage::start_probe_record(db, &actor(), None, &typed, storage::ProbeRun::Admin)
        .await
        .unwrap();
    let first =
        storage::record_connection_attempt(db, user.id, "end.user@new.example", &typed, probe)
            .await
            .unwrap();
    let after_one = storage::list_positions(db).await.unwrap();
    assert_eq!(after_one.attempts, before.attempts + 1);
    assert_eq!(after_one.domains, before.domains, "no domain changed");
    let second =
        storage::record_connection_attempt(db, user.id, "end.user@new.example", &typed, probe)
            .await
            .unwrap();
    let after_two = storage::list_positions(db).await.unwrap();
    assert_eq!(after_two.attempts, before.attempts + 2);
    // The domain without settings is listed once, with its latest attempt.
    let listed = storage::unconfigured_connection_attempts(db).await.unwrap();
    let ids: Vec<i32> = listed.iter().map(|a| a.id).collect();
    assert_eq!(ids, vec![second], "first attempt {first} is older");
}
