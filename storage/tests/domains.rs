mod support;

use domain::{Field, FieldChange, Port, Security};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use storage::{AuditAction, StorageError};
use support::{actor, settings};

support::on_both_backends!(
    create_list_get,
    duplicate_domain_is_refused,
    update_bumps_version_and_audits_changed_fields,
    stale_version_conflicts_with_current_settings,
    noop_update_writes_no_event,
    delete_with_right_and_stale_version,
    audit_events_carry_actor_ip_action_and_values,
    create_is_atomic_with_its_audit_event,
    update_is_atomic_with_its_audit_event,
);

async fn create_list_get(db: &DatabaseConnection) {
    let b = storage::create_domain(db, &actor(), settings("b.example"))
        .await
        .unwrap();
    let a = storage::create_domain(db, &actor(), settings("a.example"))
        .await
        .unwrap();
    assert_eq!(a.version, 1);
    assert_eq!(a.settings, settings("a.example"));
    let names: Vec<String> = storage::list_domains(db)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.settings.domain.to_string())
        .collect();
    assert_eq!(names, ["a.example", "b.example"]);
    assert_eq!(storage::get_domain(db, b.id).await.unwrap(), Some(b));
    assert_eq!(storage::get_domain(db, 999_999).await.unwrap(), None);
}

async fn duplicate_domain_is_refused(db: &DatabaseConnection) {
    storage::create_domain(db, &actor(), settings("dup.example"))
        .await
        .unwrap();
    let err = storage::create_domain(db, &actor(), settings("dup.example"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, StorageError::DuplicateDomain(ref d) if d == "dup.example"),
        "{err:?}"
    );
    // Renaming another domain onto it is refused the same way.
    let other = storage::create_domain(db, &actor(), settings("other.example"))
        .await
        .unwrap();
    let mut renamed = other.settings.clone();
    renamed.domain = domain::MailDomain::parse("dup.example").unwrap();
    let err = storage::update_domain(db, &actor(), other.id, 1, renamed)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::DuplicateDomain(_)), "{err:?}");
    assert_eq!(storage::list_domains(db).await.unwrap().len(), 2);
}

async fn update_bumps_version_and_audits_changed_fields(db: &DatabaseConnection) {
    let created = storage::create_domain(db, &actor(), settings("up.example"))
        .await
        .unwrap();
    let mut next = created.settings.clone();
    next.imap_port = Port::new(143).unwrap();
    next.imap_security = Security::StartTls;
    let updated = storage::update_domain(db, &actor(), created.id, 1, next.clone())
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.settings, next);
    assert_eq!(
        storage::get_domain(db, created.id).await.unwrap(),
        Some(updated)
    );

    let history = storage::domain_history(db, created.id, 1000).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].action, AuditAction::Updated);
    assert_eq!(
        history[0].changes,
        vec![
            change(Field::ImapPort, "993", "143"),
            change(Field::ImapSecurity, "SSL/TLS", "STARTTLS"),
        ]
    );
    assert_eq!(history[1].action, AuditAction::Created);
    assert_eq!(history[1].changes.len(), 9);
}

async fn stale_version_conflicts_with_current_settings(db: &DatabaseConnection) {
    let created = storage::create_domain(db, &actor(), settings("race.example"))
        .await
        .unwrap();
    // Admin A saves first...
    let mut theirs = created.settings.clone();
    theirs.smtp_port = Port::new(587).unwrap();
    theirs.smtp_security = Security::StartTls;
    storage::update_domain(db, &actor(), created.id, 1, theirs.clone())
        .await
        .unwrap();
    // ...then admin B saves an edit of version 1.
    let mut mine = created.settings.clone();
    mine.use_static_ips = true;
    let err = storage::update_domain(db, &actor(), created.id, 1, mine)
        .await
        .unwrap_err();
    let StorageError::Conflict { current, changes } = err else {
        panic!("expected Conflict, got {err:?}");
    };
    assert_eq!(current.version, 2);
    assert_eq!(current.settings, theirs);
    // Only what A changed, not B's own edit.
    assert_eq!(
        changes,
        vec![
            change(Field::SmtpPort, "465", "587"),
            change(Field::SmtpSecurity, "SSL/TLS", "STARTTLS"),
        ]
    );
    let stored = storage::get_domain(db, created.id).await.unwrap().unwrap();
    assert_eq!(stored.settings, theirs);

    let missing = storage::update_domain(db, &actor(), 999_999, 1, theirs)
        .await
        .unwrap_err();
    assert!(matches!(missing, StorageError::NotFound), "{missing:?}");
}

async fn noop_update_writes_no_event(db: &DatabaseConnection) {
    let created = storage::create_domain(db, &actor(), settings("same.example"))
        .await
        .unwrap();
    let again = storage::update_domain(db, &actor(), created.id, 1, created.settings.clone())
        .await
        .unwrap();
    assert_eq!(again, created);
    assert_eq!(
        storage::domain_history(db, created.id, 1000)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn delete_with_right_and_stale_version(db: &DatabaseConnection) {
    let created = storage::create_domain(db, &actor(), settings("del.example"))
        .await
        .unwrap();
    let mut next = created.settings.clone();
    next.allow_non_secure_certificate = true;
    storage::update_domain(db, &actor(), created.id, 1, next)
        .await
        .unwrap();

    let err = storage::delete_domain(db, &actor(), created.id, 1)
        .await
        .unwrap_err();
    let StorageError::Conflict { current, changes } = err else {
        panic!("expected Conflict, got {err:?}");
    };
    assert_eq!(current.version, 2);
    assert_eq!(
        changes,
        vec![change(Field::AllowNonSecureCertificate, "No", "Yes")]
    );
    for far_off in [i32::MIN, i32::MAX] {
        let err = storage::delete_domain(db, &actor(), created.id, far_off)
            .await
            .unwrap_err();
        assert!(matches!(err, StorageError::Conflict { .. }), "{err:?}");
    }

    storage::delete_domain(db, &actor(), created.id, 2)
        .await
        .unwrap();
    assert_eq!(storage::get_domain(db, created.id).await.unwrap(), None);
    let err = storage::delete_domain(db, &actor(), created.id, 2)
        .await
        .unwrap_err();
    assert!(matches!(err, StorageError::NotFound), "{err:?}");

    let history = storage::domain_history(db, created.id, 1000).await.unwrap();
    assert_eq!(history.len(), 3, "the trail outlives the domain");
    assert_eq!(history[0].action, AuditAction::Deleted);
    assert!(history[0].changes.iter().all(|c| c.after.is_none()));
    assert_eq!(history[0].changes.len(), 9);
}

async fn audit_events_carry_actor_ip_action_and_values(db: &DatabaseConnection) {
    let created = storage::create_domain(db, &actor(), settings("who.example"))
        .await
        .unwrap();
    let other = storage::Actor {
        user_id: 8,
        email: "second@example.com".into(),
        role: None,
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    let mut next = created.settings.clone();
    next.imap_host = domain::Hostname::parse("192.0.2.1").unwrap();
    storage::update_domain(db, &other, created.id, 1, next)
        .await
        .unwrap();

    let events = storage::history_page(db, &Default::default(), None, 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    let (update, create) = (&events[0], &events[1]);
    assert_eq!(update.actor_user_id, Some(8));
    assert_eq!(update.actor_email, "second@example.com");
    assert_eq!(update.client_ip, None);
    assert_eq!(update.domain_id, Some(created.id));
    assert_eq!(update.domain_name, "who.example");
    assert_eq!(
        update.changes,
        vec![change(Field::ImapHost, "imap.who.example", "192.0.2.1")]
    );
    assert_eq!(create.actor_user_id, Some(7));
    assert_eq!(create.actor_email, "admin@example.com");
    assert_eq!(create.client_ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(create.action, AuditAction::Created);
    assert!(create.changes.iter().all(|c| c.before.is_none()));
    assert!(update.occurred_at >= create.occurred_at);
    assert_eq!(
        storage::history_page(db, &Default::default(), None, 1)
            .await
            .unwrap(),
        vec![update.clone()]
    );
}

async fn create_is_atomic_with_its_audit_event(db: &DatabaseConnection) {
    db.execute_unprepared("DROP TABLE audit_events")
        .await
        .unwrap();
    let result = storage::create_domain(db, &actor(), settings("atomic.example")).await;
    assert!(
        matches!(result, Err(StorageError::Database(_))),
        "{result:?}"
    );
    assert!(storage::list_domains(db).await.unwrap().is_empty());
}

async fn update_is_atomic_with_its_audit_event(db: &DatabaseConnection) {
    let created = storage::create_domain(db, &actor(), settings("keep.example"))
        .await
        .unwrap();
    db.execute_unprepared("DROP TABLE audit_events")
        .await
        .unwrap();
    let mut next = created.settings.clone();
    next.smtp_port = Port::new(2525).unwrap();
    let result = storage::update_domain(db, &actor(), created.id, 1, next).await;
    assert!(
        matches!(result, Err(StorageError::Database(_))),
        "{result:?}"
    );
    assert_eq!(
        storage::get_domain(db, created.id).await.unwrap(),
        Some(created.clone())
    );
    let result = storage::delete_domain(db, &actor(), created.id, 1).await;
    assert!(
        matches!(result, Err(StorageError::Database(_))),
        "{result:?}"
    );
    assert_eq!(
        storage::get_domain(db, created.id).await.unwrap(),
        Some(created)
    );
}

fn change(field: Field, before: &str, after: &str) -> FieldChange {
    FieldChange {
        field,
        before: Some(before.into()),
        after: Some(after.into()),
    }
}
