//! Command line and environment configuration.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "server",
    about = "Manage the IMAP/SMTP settings of mail domains: the web app and admin commands.",
    after_help = "The listen address comes from LEPTOS_SITE_ADDR (default 127.0.0.1:3000)."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// sqlite://… or postgres://…; default: an SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Where the default SQLite database lives.
    #[arg(
        long,
        env = "MAILSETTINGS_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
}

impl DatabaseArgs {
    /// The database URL to use, creating the data directory for the default SQLite file.
    pub fn url(&self) -> Result<String, String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        std::fs::create_dir_all(&self.data_dir).map_err(|e| {
            format!(
                "cannot create the data directory {}: {e}",
                self.data_dir.display()
            )
        })?;
        let file = self.data_dir.join("mailsettings.db");
        Ok(format!("sqlite://{}?mode=rwc", file.display()))
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web application (the default).
    Serve(ServeArgs),
    /// Create the first super admin without the browser (for scripts). The password comes from
    /// MAILSETTINGS_ADMIN_PASSWORD or --password-file, never from the command line.
    CreateAdmin(CreateAdminArgs),
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs::parse_from(["serve"]))
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The one-time token for /setup (otherwise a random one is generated and printed).
    #[arg(long, env = "MAILSETTINGS_SETUP_TOKEN", hide_env_values = true)]
    pub setup_token: Option<String>,
    /// A file holding the setup token; if it does not exist, the generated token is written there.
    #[arg(long, env = "MAILSETTINGS_SETUP_TOKEN_FILE")]
    pub setup_token_file: Option<PathBuf>,
    /// Always mark the session cookie Secure (set this when users reach the app over https).
    #[arg(long, env = "MAILSETTINGS_COOKIE_SECURE")]
    pub cookie_secure: bool,
}

#[derive(Parser, Debug)]
struct ServeOnly {
    #[command(flatten)]
    serve: ServeArgs,
}

impl ServeArgs {
    fn parse_from<I: IntoIterator<Item = &'static str>>(args: I) -> Self {
        ServeOnly::parse_from(args).serve
    }
}

#[derive(Args, Debug)]
pub struct CreateAdminArgs {
    #[arg(long)]
    pub email: String,
    /// Read the password from this file (first line) instead of MAILSETTINGS_ADMIN_PASSWORD.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}
