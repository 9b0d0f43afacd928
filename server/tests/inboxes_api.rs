//! The inbox story through the real router against real Dovecot + Postfix: an end user connects
//! with the domain's settings (a wrong password stores nothing), the admin sees the impact and
//! tries new settings on a sample, a change to a closed port pauses the rollout at the canary
//! with "IMAP settings incorrect", Revert restores the settings and the inboxes end connected.

#[path = "../../probe/tests/support/mod.rs"]
mod mail;
mod support;

use services::{ProbeConfig, ThrottlePolicy};
use storage::test_support::sqlite;
use support::TestApp;

/// Every log line of the test, at every level.
#[derive(Clone, Default)]
struct Logs(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut all) = self.0.lock() {
            all.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}

impl Logs {
    fn text(&self) -> String {
        self.0
            .lock()
            .map(|all| String::from_utf8_lossy(&all).into_owned())
            .unwrap_or_default()
    }
}

fn as_refs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, x)| (k.as_str(), x.as_str())).collect()
}

#[tokio::test]
async fn connect_revalidate_pause_and_revert_against_real_servers() {
    let logs = Logs::default();
    tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_env_filter(server::logging::filter("trace"))
        .with_ansi(false)
        .init();
    let lab = mail::mail();
    let ca = std::fs::read_to_string(lab.dir.path().join("certs").join("ca.pem")).expect("ca");
    let config = ProbeConfig {
        allowlist: vec!["127.0.0.0/8".parse().expect("cidr")],
        extra_ca_pem: Some(ca),
        per_minute: 20,
        ..ProbeConfig::default()
    };
    let app = TestApp::with_probes(sqlite().await, ThrottlePolicy::default(), config).await;
    let admin = app.setup_admin().await;
    let (imaps, smtps) = (lab.dovecot.imaps.to_string(), lab.postfix.smtps.to_string());
    let settings = |imap_port: &str| {
        vec![
            ("settings[domain]".to_string(), "test.local".to_string()),
            ("settings[imap_host]".into(), "127.0.0.1".into()),
            ("settings[imap_port]".into(), imap_port.to_string()),
            ("settings[imap_security]".into(), "ssl".into()),
            ("settings[smtp_host]".into(), "127.0.0.1".into()),
            ("settings[smtp_port]".into(), smtps.clone()),
            ("settings[smtp_security]".into(), "ssl".into()),
        ]
    };
    let mut create = settings(&imaps);
    create.push(("save_anyway".into(), "on".into()));
    let created = app
        .call("create_domain", Some(&admin), &as_refs(&create))
        .await;
    assert!(created.status.is_success(), "{}", created.body);

    // The end user's form is pre-filled from the domain.
    let user = app
        .user_session(&admin, "enduser@example.org", "user", false)
        .await;
    let prefill = app
        .call(
            "connect_form",
            Some(&user),
            &[("email", mail::dovecot::USER)],
        )
        .await
        .json();
    assert_eq!(prefill["managed"]["imap_port"], imaps.as_str(), "{prefill}");

    // A wrong password: "Unauthorized"-family verdict and nothing stored.
    let wrong = app
        .call(
            "connect_inbox",
            Some(&user),
            &[
                ("email", mail::dovecot::USER),
                ("password", "wrong-password"),
            ],
        )
        .await;
    assert!(wrong.status.is_success(), "{}", wrong.body);
    let view = app.finished_probe(&user, &wrong.body).await;
    assert_eq!(view["report"]["ok"], false, "{view}");
    let mine = app.call("my_inboxes", Some(&user), &[]).await.json();
    assert_eq!(mine.as_array().map(Vec::len), Some(0), "{mine}");

    // The right password: connected.
    let right = app
        .call(
            "connect_inbox",
            Some(&user),
            &[
                ("email", mail::dovecot::USER),
                ("password", mail::dovecot::PASSWORD),
            ],
        )
        .await;
    let view = app.finished_probe(&user, &right.body).await;
    assert_eq!(view["report"]["ok"], true, "{view}");
    let mine = app.call("my_inboxes", Some(&user), &[]).await.json();
    assert_eq!(mine[0]["state"], "connected", "{mine}");
    assert_eq!(mine[0]["managed"], true, "{mine}");
    assert!(!mine.to_string().contains(mail::dovecot::PASSWORD));

    // The admin: the impact, and a sample with a closed port would fail.
    let inboxes = app
        .call("domain_inboxes", Some(&admin), &[("id", "1")])
        .await
        .json();
    assert_eq!(inboxes["count"], 1, "{inboxes}");
    let closed = support::closed_port().to_string();
    let mut sample = settings(&closed);
    sample.push(("id".into(), "1".into()));
    let tried = app
        .call("try_on_sample", Some(&admin), &as_refs(&sample))
        .await
        .json();
    assert_eq!(tried["rows"][0]["ok"], false, "{tried}");
    assert_eq!(
        tried["rows"][0]["title"], "IMAP settings incorrect",
        "{tried}"
    );

    // Save the closed port: the canary fails and the rollout pauses.
    let mut update = settings(&closed);
    update.extend([
        ("id".into(), "1".into()),
        ("version".into(), "1".into()),
        ("save_anyway".into(), "on".into()),
    ]);
    let saved = app
        .call("update_domain", Some(&admin), &as_refs(&update))
        .await;
    assert!(saved.status.is_success(), "{}", saved.body);
    app.state.services.worker.drain().await.expect("drain");
    let inboxes = app
        .call("domain_inboxes", Some(&admin), &[("id", "1")])
        .await
        .json();
    let rollout = &inboxes["rollout"];
    assert_eq!(rollout["state"], "paused", "{inboxes}");
    assert_eq!(
        rollout["failures"][0][0], "IMAP settings incorrect",
        "{inboxes}"
    );
    assert_eq!(inboxes["shown"][0]["state"], "disconnected", "{inboxes}");
    let mine = app.call("my_inboxes", Some(&user), &[]).await.json();
    assert_eq!(
        mine[0]["category_title"], "IMAP settings incorrect",
        "{mine}"
    );

    // Revert: the previous settings come back as version 3 and the inbox reconnects.
    let job = rollout["id"].to_string();
    let reverted = app
        .call("revert_rollout", Some(&admin), &[("job", job.as_str())])
        .await;
    assert!(reverted.status.is_success(), "{}", reverted.body);
    app.state.services.worker.drain().await.expect("drain");
    let detail = app
        .call("domain_detail", Some(&admin), &[("id", "1")])
        .await
        .json();
    assert_eq!(detail["domain"]["version"], 3);
    assert_eq!(detail["domain"]["settings"]["imap_port"], lab.dovecot.imaps);
    let inboxes = app
        .call("domain_inboxes", Some(&admin), &[("id", "1")])
        .await
        .json();
    assert_eq!(inboxes["rollout"]["state"], "done", "{inboxes}");
    assert_eq!(inboxes["shown"][0]["state"], "connected", "{inboxes}");
    let history = detail["history"].to_string();
    for action in [
        "Reverted",
        "Revalidation paused",
        "Revalidation finished",
        "Inbox connected",
    ] {
        assert!(history.contains(action), "{action}: {history}");
    }
    assert!(!history.contains(mail::dovecot::PASSWORD));

    // Removing is the owner's alone.
    let id = mine[0]["id"].to_string();
    let other = app
        .call("remove_inbox", Some(&admin), &[("id", id.as_str())])
        .await;
    assert_eq!(other.status.as_u16(), 404);
    let removed = app
        .call("remove_inbox", Some(&user), &[("id", id.as_str())])
        .await;
    assert!(removed.status.is_success(), "{}", removed.body);

    // The change history: one event per action, inbox events naming the inbox, state changes
    // linked to their revalidation.
    let trail = storage::history_page(&app.state.services.db, &Default::default(), None, 1000)
        .await
        .expect("history");
    let count = |action: &str| trail.iter().filter(|e| e.action.as_str() == action).count();
    for (action, n) in [
        ("connection_test", 2),
        ("inbox_connected", 1),
        ("inbox_removed", 1),
        ("updated", 1),
        ("rollout_paused", 1),
        ("reverted", 1),
    ] {
        assert_eq!(count(action), n, "{action}: {trail:#?}");
    }
    for e in trail
        .iter()
        .filter(|e| e.action.as_str().starts_with("inbox_"))
    {
        assert_eq!(e.target.as_deref(), Some(mail::dovecot::USER), "{e:?}");
    }
    let states: Vec<_> = trail
        .iter()
        .filter(|e| e.action.as_str() == "inbox_state")
        .collect();
    assert!(
        !states.is_empty() && states.iter().all(|e| e.job_id.is_some()),
        "{states:#?}"
    );

    // Nothing logged the password, at any level.
    let logged = logs.text();
    assert!(logged.contains("inbox connected"), "the logs were captured");
    let leaks: Vec<&str> = logged
        .lines()
        .filter(|l| l.contains(mail::dovecot::PASSWORD))
        .collect();
    assert!(leaks.is_empty(), "log lines hold the password: {leaks:#?}");
}
