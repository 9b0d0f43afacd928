//! `server`: the web app (default) and the administrators' commands.

use clap::Parser;
use server::cli::{Cli, Command};
use server::{first_admin, serve};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn")),
        )
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command.unwrap_or_default() {
        Command::Serve(args) => serve::run(&cli.database, args).await,
        Command::CreateAdmin(args) => first_admin::create_admin_command(&cli.database, args).await,
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
