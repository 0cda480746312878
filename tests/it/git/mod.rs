//! End-to-end tests of `nblint strip`, `nblint show` and `nblint git`: the binary run as a
//! user and as git runs it (clean filter and textconv driver in a temporary repository), and
//! the comparison with nbstripout (`compat`), `git install | uninstall | status` round trips
//! (`install`), and `check --staged` and the pre-commit hooks (`staged`).
mod compat;
mod install;
mod staged;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use nblint_testing::run_ok;

use crate::support::{NBLINT, assert_contains, assert_lacks, output_with_stdin};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/strip")
        .join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// `PATH` with the folder of the nblint under test first, as git will search it.
fn path_with_nblint() -> OsString {
    let folder = Path::new(NBLINT).parent().unwrap().to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default();
    std::env::join_paths(std::iter::once(folder).chain(std::env::split_paths(&rest))).unwrap()
}

/// A command isolated from the user's git configuration, with nblint first on PATH.
fn command(program: &str, folder: &Path, home: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(folder)
        .env("PATH", path_with_nblint())
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_CONFIG_GLOBAL")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    command
}

/// A new repository with an author, and the empty home folder its commands run with, under
/// `root`: `(repository, home)`.
fn new_repository(root: &Path) -> (PathBuf, PathBuf) {
    let home = root.join("home");
    let repo = root.join("repo");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&repo).unwrap();
    for args in [
        &["init", "-q"][..],
        &["config", "user.name", "Test"],
        &["config", "user.email", "test@example.com"],
        &["config", "commit.gpgsign", "false"],
    ] {
        let mut git = command("git", &repo, &home);
        git.args(args);
        run_ok(git);
    }
    (repo, home)
}

fn nblint(folder: &Path, args: &[&str]) -> Output {
    let mut command = Command::new(NBLINT);
    command.current_dir(folder).args(args);
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn git_filter_and_textconv_end_to_end() {
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let git = |args: &[&str]| {
        let mut command = command("git", &repo, &home);
        command.args(args);
        run_ok(command)
    };

    let mut install = command(NBLINT, &repo, &home);
    install.args(["git", "install"]);
    let installed = text(&run_ok(install).stdout);
    assert_contains(&installed, "set filter.nblint.clean = nblint strip --stdin");
    assert_contains(
        &installed,
        "set filter.nblint.process = nblint strip --filter-process",
    );
    let mut again = command(NBLINT, &repo, &home);
    again.args(["git", "install"]);
    let again = text(&run_ok(again).stdout);
    assert!(
        !again.contains("set "),
        "installing twice changes nothing: {again}"
    );
    let mut status = command(NBLINT, &repo, &home);
    status.args(["git", "status"]);
    let status = text(&run_ok(status).stdout);
    assert_contains(&status, "nblint on PATH           ok");

    // A notebook with outputs: the index gets the stripped blob, the work tree is untouched.
    let dirty = read_fixture("outputs_and_counts.ipynb");
    let notebook = repo.join("analysis.ipynb");
    std::fs::write(&notebook, &dirty).unwrap();
    git(&["add", "analysis.ipynb", ".gitattributes"]);
    let staged = git(&["show", ":analysis.ipynb"]).stdout;
    assert_eq!(
        text(&staged),
        text(&read_fixture("outputs_and_counts.expected.ipynb"))
    );
    assert!(!text(&staged).contains("\"output_type\""));
    assert_eq!(std::fs::read(&notebook).unwrap(), dirty);

    git(&["commit", "-q", "-m", "notebook"]);
    let porcelain = git(&["status", "--porcelain"]).stdout;
    assert_eq!(text(&porcelain), "", "no phantom modification after commit");

    // Editing one line of a cell: the diff shows that line, not JSON.
    let edited = text(&dirty).replace("\"x = 42\\n\"", "\"x = 43\\n\"");
    assert_ne!(edited, text(&dirty));
    std::fs::write(&notebook, edited).unwrap();
    let diff = text(&git(&["diff"]).stdout);
    assert_contains(&diff, "\n-x = 42\n");
    assert_contains(&diff, "\n+x = 43\n");
    assert_lacks(&diff, "\"source\"");

    // Uninstall leaves no filter or diff configuration behind.
    let mut uninstall = command(NBLINT, &repo, &home);
    uninstall.args(["git", "uninstall"]);
    run_ok(uninstall);
    let config = std::fs::read_to_string(repo.join(".git/config")).unwrap();
    assert_lacks(&config, "nblint");
    assert!(!repo.join(".gitattributes").exists());
    let mut status = command(NBLINT, &repo, &home);
    status.args(["git", "status"]);
    let status = status.output().unwrap();
    assert_eq!(status.status.code(), Some(1), "{}", text(&status.stdout));
}

#[test]
fn one_filter_process_serves_a_whole_git_add_and_checkout() {
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let trace = temporary.path().join("packets.log");
    let git = |args: &[&str]| {
        let mut command = command("git", &repo, &home);
        command.args(args).env("GIT_TRACE_PACKET", &trace);
        run_ok(command)
    };
    let mut install = command(NBLINT, &repo, &home);
    install.args(["git", "install"]);
    run_ok(install);

    // Several notebooks in one `git add`: one larger than a packet, one not a notebook.
    let dirty = read_fixture("outputs_and_counts.ipynb");
    let expected = read_fixture("outputs_and_counts.expected.ipynb");
    let big_source = format!("x = \"{}\"\n", "y".repeat(200_000));
    let big = text(&dirty).replace(
        "\"x = 42\\n\"",
        &serde_json::to_string(&big_source).unwrap(),
    );
    assert!(big.len() > 3 * 65_516);
    std::fs::write(repo.join("a.ipynb"), &dirty).unwrap();
    std::fs::write(repo.join("big.ipynb"), &big).unwrap();
    std::fs::write(repo.join("broken.ipynb"), b"{ not json").unwrap();
    let added = git(&["add", "."]);
    assert_contains(&text(&added.stderr), "broken.ipynb: not a notebook");
    assert_eq!(git(&["show", ":a.ipynb"]).stdout, expected);
    let staged_big = text(&git(&["show", ":big.ipynb"]).stdout);
    assert!(staged_big.contains(&"y".repeat(200_000)));
    assert!(
        !staged_big.contains("\"output_type\""),
        "big notebook not stripped"
    );
    assert_eq!(git(&["show", ":broken.ipynb"]).stdout, b"{ not json");
    // git spoke to one process, in the long-running protocol, for all three files.
    let log = std::fs::read_to_string(&trace).unwrap();
    assert_eq!(log.matches("git-filter-server").count(), 1, "{log}");
    assert_eq!(log.matches("command=clean").count(), 3, "{log}");

    // Checkout goes through the process too (smudge: the stored content as it is), which
    // `filter.nblint.required` demands.
    git(&["commit", "-q", "-m", "notebooks"]);
    std::fs::remove_file(repo.join("a.ipynb")).unwrap();
    git(&["checkout", "--", "a.ipynb"]);
    assert_eq!(std::fs::read(repo.join("a.ipynb")).unwrap(), expected);
    assert!(
        std::fs::read_to_string(&trace)
            .unwrap()
            .contains("command=smudge")
    );
}

#[test]
fn a_file_name_that_is_not_utf8_goes_through_the_filter_process() {
    use std::os::unix::ffi::OsStrExt;
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let git = |args: &[&std::ffi::OsStr]| {
        let mut command = command("git", &repo, &home);
        command.args(args);
        run_ok(command)
    };
    let mut install = command(NBLINT, &repo, &home);
    install.args(["git", "install"]);
    run_ok(install);

    // Latin-1 "café.ipynb" (0xE9 alone is not UTF-8), beside a plain name in the same add.
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.ipynb");
    let dirty = read_fixture("outputs_and_counts.ipynb");
    let expected = read_fixture("outputs_and_counts.expected.ipynb");
    std::fs::write(repo.join(name), &dirty).unwrap();
    std::fs::write(repo.join("plain.ipynb"), &dirty).unwrap();
    let added = git(&["add".as_ref(), ".".as_ref()]);
    assert_eq!(text(&added.stderr), "", "no warning, no error");

    let listed = git(&["ls-files".as_ref(), "-z".as_ref()]).stdout;
    let listed: Vec<&[u8]> = listed.split(|&byte| byte == 0).collect();
    assert!(listed.contains(&name.as_bytes()), "{listed:?}");
    let blob = |path: &std::ffi::OsStr| {
        let mut spec = std::ffi::OsString::from(":");
        spec.push(path);
        git(&["show".as_ref(), &spec]).stdout
    };
    assert_eq!(blob(name), expected, "the stored blob is stripped");
    assert_eq!(blob("plain.ipynb".as_ref()), expected);
    assert_eq!(std::fs::read(repo.join(name)).unwrap(), dirty);
}

#[test]
fn strip_rewrites_dirty_files_keeps_clean_ones_and_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    std::fs::create_dir_all(root.join("sub/.ipynb_checkpoints")).unwrap();
    let dirty = root.join("sub/dirty.ipynb");
    let clean = root.join("clean.ipynb");
    let checkpoint = root.join("sub/.ipynb_checkpoints/dirty-checkpoint.ipynb");
    std::fs::write(&dirty, read_fixture("outputs_and_counts.ipynb")).unwrap();
    std::fs::write(&checkpoint, read_fixture("outputs_and_counts.ipynb")).unwrap();
    std::fs::write(&clean, read_fixture("already_clean_other_layout.ipynb")).unwrap();
    std::fs::set_permissions(&dirty, std::fs::Permissions::from_mode(0o640)).unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(&clean)
        .unwrap()
        .set_modified(old)
        .unwrap();

    let check = nblint(root, &["strip", "--check", "."]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(text(&check.stdout).trim(), "./sub/dirty.ipynb");
    assert_eq!(
        std::fs::read(&dirty).unwrap(),
        read_fixture("outputs_and_counts.ipynb")
    );

    let strip = nblint(root, &["strip", "."]);
    assert_eq!(strip.status.code(), Some(0), "{}", text(&strip.stderr));
    assert_eq!(
        std::fs::read(&dirty).unwrap(),
        read_fixture("outputs_and_counts.expected.ipynb")
    );
    let mode = std::fs::metadata(&dirty).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    assert_eq!(std::fs::metadata(&clean).unwrap().modified().unwrap(), old);
    assert_eq!(
        std::fs::read(&clean).unwrap(),
        read_fixture("already_clean_other_layout.ipynb")
    );
    assert_eq!(
        std::fs::read(&checkpoint).unwrap(),
        read_fixture("outputs_and_counts.ipynb"),
        "checkpoints are skipped"
    );
    let leftovers: Vec<_> = std::fs::read_dir(root.join("sub"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 2, "no temporary files left: {leftovers:?}");

    let check = nblint(root, &["strip", "--check", "."]);
    assert_eq!(check.status.code(), Some(0));
    assert_eq!(text(&check.stdout), "");
}

#[test]
fn a_bad_file_is_reported_and_the_others_still_stripped() {
    let folder = tempfile::tempdir().unwrap();
    let root = folder.path();
    std::fs::write(root.join("a_bad.ipynb"), "{\n \"cells\": [\n").unwrap();
    std::fs::write(
        root.join("b_good.ipynb"),
        read_fixture("outputs_and_counts.ipynb"),
    )
    .unwrap();
    let output = nblint(
        root,
        &["strip", "a_bad.ipynb", "b_good.ipynb", "missing.ipynb"],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert_contains(
        &stderr,
        "error: a_bad.ipynb: invalid JSON at line 3, column 1",
    );
    assert_contains(&stderr, "error: missing.ipynb: ");
    assert_eq!(
        std::fs::read(root.join("b_good.ipynb")).unwrap(),
        read_fixture("outputs_and_counts.expected.ipynb")
    );
    assert_eq!(
        std::fs::read_to_string(root.join("a_bad.ipynb")).unwrap(),
        "{\n \"cells\": [\n"
    );
}

fn with_stdin(args: &[&str], input: &[u8]) -> Output {
    output_with_stdin(Command::new(NBLINT).args(args), input)
}

#[test]
fn stdin_filter_strips_and_passes_non_notebooks_through() {
    let output = with_stdin(&["strip", "--stdin"], &read_fixture("crlf.ipynb"));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.stdout, read_fixture("crlf.expected.ipynb"));

    let clean = read_fixture("already_clean_other_layout.ipynb");
    let output = with_stdin(&["strip", "--stdin"], &clean);
    assert_eq!(output.stdout, clean);

    let garbage = b"<<<<<<< HEAD\n{\"cells\": []}\n=======\n>>>>>>> other\n\xff";
    let output = with_stdin(&["strip", "--stdin"], garbage);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(output.stdout, garbage);
    assert!(
        text(&output.stderr).starts_with("warning: "),
        "{}",
        text(&output.stderr)
    );

    let output = with_stdin(
        &["strip", "--stdin", "--keep-output"],
        &read_fixture("keep_output_option.ipynb"),
    );
    assert_eq!(
        output.stdout,
        read_fixture("keep_output_option.expected.ipynb")
    );
}

#[test]
fn show_prints_cells_and_summarised_outputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = nblint(root, &["show", "fixtures/strip/outputs_and_counts.ipynb"]);
    assert_eq!(output.status.code(), Some(0));
    let shown = text(&output.stdout);
    assert_eq!(
        shown,
        "# cell 1 [markdown]\n# Analysis\n\nNumbers.\n\n\
         # cell 2 [code] (execution count 1)\nimport math\nprint(math.pi)\n## stdout\n> 3.141592653589793\n\n\
         # cell 3 [code] (execution count 2)\nx = 1 / 0\n## error: ZeroDivisionError: division by zero\n\n\
         # cell 4 [code] (execution count 3)\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\n\
         ## result\n> [<matplotlib.lines.Line2D at 0x7f>]\n\
         ## display: image/png (97 bytes)\n## display\n> <Figure size 640x480 with 1 Axes>\n\n\
         # cell 5 [code] (execution count 4)\nx = 42\nx\n## result\n> 42\n"
    );
    let from_stdin = with_stdin(&["show", "-"], &read_fixture("outputs_and_counts.ipynb"));
    assert_eq!(text(&from_stdin.stdout), shown);
}
