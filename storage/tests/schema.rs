mod support;

use migrations::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use support::{actor, settings};

support::on_both_backends!(migrations_go_down_and_up_again);

async fn migrations_go_down_and_up_again(db: &DatabaseConnection) {
    storage::create_domain(db, &actor(), settings("before.example"))
        .await
        .unwrap();
    Migrator::down(db, None).await.unwrap();
    assert!(storage::list_domains(db).await.is_err(), "tables are gone");
    Migrator::up(db, None).await.unwrap();
    assert!(storage::list_domains(db).await.unwrap().is_empty());
    storage::create_domain(db, &actor(), settings("after.example"))
        .await
        .unwrap();
}
