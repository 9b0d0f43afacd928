//! Files and directories only the server's own user may read: the data directory (where the
//! database and the keys live) and the setup token file. The SQLite file itself is created
//! private by `storage::connect`.

use std::io;
use std::path::Path;

/// Creates `path` and any missing parents with mode 0700; an existing directory keeps its mode.
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(path)
}

/// Writes `contents` to a new file with mode 0600; refuses to replace (or follow) whatever is
/// already at `path`.
pub fn write_private_file(path: &Path, contents: &str) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}
