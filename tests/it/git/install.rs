//! `nblint git install | uninstall | status` round trips, run as a user runs them: what a
//! repository (or the global configuration) holds after uninstall is what it held before
//! install, and status reports what git itself sees.

use std::path::Path;
use std::process::Output;

use super::{NBLINT, assert_contains, assert_lacks, command, new_repository, run_ok, text};

const LINE: &str = "*.ipynb filter=nblint diff=nblint";

/// Runs nblint in `repo` with `home`, and `GIT_CONFIG_GLOBAL` when given.
fn nblint_in(repo: &Path, home: &Path, global: Option<&Path>, args: &[&str]) -> Output {
    let mut nblint = command(NBLINT, repo, home);
    nblint.args(args);
    if let Some(global) = global {
        nblint.env("GIT_CONFIG_GLOBAL", global);
    }
    nblint.output().unwrap()
}

fn git_in(repo: &Path, home: &Path, global: Option<&Path>, args: &[&str]) -> Output {
    let mut git = command("git", repo, home);
    git.args(args);
    if let Some(global) = global {
        git.env("GIT_CONFIG_GLOBAL", global);
    }
    run_ok(git)
}

fn succeeds(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

#[test]
fn a_committed_gitattributes_with_only_the_line_survives_uninstall() {
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let git = |args: &[&str]| git_in(&repo, &home, None, args);
    std::fs::write(repo.join(".gitattributes"), format!("{LINE}\n")).unwrap();
    git(&["add", ".gitattributes"]);
    git(&["commit", "-q", "-m", "team attributes"]);
    let config_before = std::fs::read(repo.join(".git/config")).unwrap();

    let installed = succeeds(&nblint_in(&repo, &home, None, &["git", "install"]));
    assert!(
        installed.contains("already in") && installed.contains(".gitattributes"),
        "{installed}"
    );
    let status = succeeds(&nblint_in(&repo, &home, None, &["git", "status"]));
    assert_contains(&status, "*.ipynb filter           ok");

    let uninstalled = succeeds(&nblint_in(&repo, &home, None, &["git", "uninstall"]));
    assert_contains(&uninstalled, "left the attributes line in");
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitattributes")).unwrap(),
        format!("{LINE}\n"),
        "the team's file and line stay"
    );
    assert_eq!(text(&git(&["status", "--porcelain"]).stdout), "");
    assert_eq!(
        std::fs::read(repo.join(".git/config")).unwrap(),
        config_before,
        "the configuration is as install found it"
    );
}

#[test]
fn a_gitattributes_with_other_lines_gets_back_its_exact_bytes() {
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let git = |args: &[&str]| git_in(&repo, &home, None, args);
    // CRLF line endings and no newline at the end.
    let original = "*.png binary\r\n*.csv text";
    std::fs::write(repo.join(".gitattributes"), original).unwrap();
    git(&["add", ".gitattributes"]);
    git(&["commit", "-q", "-m", "attributes"]);
    let config_before = std::fs::read(repo.join(".git/config")).unwrap();

    succeeds(&nblint_in(&repo, &home, None, &["git", "install"]));
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitattributes")).unwrap(),
        format!("{original}\r\n{LINE}\r\n")
    );
    let uninstalled = succeeds(&nblint_in(&repo, &home, None, &["git", "uninstall"]));
    assert_contains(&uninstalled, "removed the attributes line from");
    assert_eq!(
        std::fs::read_to_string(repo.join(".gitattributes")).unwrap(),
        original
    );
    assert_eq!(text(&git(&["status", "--porcelain"]).stdout), "");
    assert_eq!(
        std::fs::read(repo.join(".git/config")).unwrap(),
        config_before
    );
}

#[test]
fn a_different_filter_value_needs_force_and_comes_back_on_uninstall() {
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let git = |args: &[&str]| git_in(&repo, &home, None, args);
    git(&["config", "filter.nblint.clean", "jq --indent 1 ."]);
    let config_before = std::fs::read(repo.join(".git/config")).unwrap();

    let refused = nblint_in(&repo, &home, None, &["git", "install"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = text(&refused.stderr);
    assert!(
        stderr.contains("filter.nblint.clean is already `jq --indent 1 .`")
            && stderr.contains("--force"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(repo.join(".git/config")).unwrap(),
        config_before,
        "nothing changed"
    );
    assert!(!repo.join(".gitattributes").exists());

    let forced = succeeds(&nblint_in(
        &repo,
        &home,
        None,
        &["git", "install", "--force"],
    ));
    assert_contains(
        &forced,
        "set filter.nblint.clean = nblint strip --stdin (was jq --indent 1 .; uninstall puts it back)",
    );
    let clean = git(&["config", "filter.nblint.clean"]).stdout;
    assert_eq!(text(&clean), "nblint strip --stdin\n");

    let uninstalled = succeeds(&nblint_in(&repo, &home, None, &["git", "uninstall"]));
    assert_contains(
        &uninstalled,
        "restored filter.nblint.clean = jq --indent 1 .",
    );
    assert_eq!(
        text(&git(&["config", "filter.nblint.clean"]).stdout),
        "jq --indent 1 .\n"
    );
    assert_eq!(
        std::fs::read(repo.join(".git/config")).unwrap(),
        config_before
    );
    assert!(
        !repo.join(".gitattributes").exists(),
        "install created it; uninstall deletes it"
    );
}

#[test]
fn global_install_writes_where_git_reads_and_status_reads_what_git_sees() {
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let global = temporary.path().join("team-gitconfig");
    std::fs::write(&global, "").unwrap();
    // A stale ~/.gitconfig with nblint's keys, which git ignores under GIT_CONFIG_GLOBAL.
    let stale = "[filter \"nblint\"]\n\tclean = nblint strip --stdin\n\tprocess = nblint strip --filter-process\n\tsmudge = cat\n\trequired = true\n[diff \"nblint\"]\n\ttextconv = nblint show\n";
    std::fs::write(home.join(".gitconfig"), stale).unwrap();
    let nblint = |args: &[&str]| nblint_in(&repo, &home, Some(&global), args);

    let before = nblint(&["git", "status"]);
    assert_eq!(before.status.code(), Some(1), "{}", text(&before.stdout));
    assert_contains(
        &text(&before.stdout),
        "filter.nblint.clean      missing   (unset)",
    );

    succeeds(&nblint(&["git", "install", "--global"]));
    let written = std::fs::read_to_string(&global).unwrap();
    assert_contains(&written, "clean = nblint strip --stdin");
    assert_eq!(
        std::fs::read_to_string(home.join(".gitconfig")).unwrap(),
        stale,
        "~/.gitconfig untouched"
    );
    let attributes = home.join(".config/git/attributes");
    assert_eq!(
        std::fs::read_to_string(&attributes).unwrap(),
        format!("{LINE}\n")
    );
    let status = succeeds(&nblint(&["git", "status"]));
    assert_contains(&status, "filter.nblint.clean      ok");
    assert_contains(&status, "*.ipynb diff             ok");

    // A repository value overrides the global one: status says so, and where it is.
    git_in(
        &repo,
        &home,
        Some(&global),
        &["config", "filter.nblint.clean", "cat"],
    );
    let overridden = nblint(&["git", "status"]);
    assert_eq!(overridden.status.code(), Some(1));
    let overridden = text(&overridden.stdout);
    assert_contains(
        &overridden,
        "filter.nblint.clean      different cat (file:.git/config)",
    );

    succeeds(&nblint(&["git", "uninstall", "--global"]));
    assert_eq!(std::fs::read_to_string(&global).unwrap(), "");
    assert!(
        !attributes.exists(),
        "install created it; uninstall deletes it"
    );
}

#[test]
fn global_install_uses_the_xdg_config_when_it_is_the_only_one() {
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let xdg_config = home.join(".config/git/config");
    std::fs::create_dir_all(xdg_config.parent().unwrap()).unwrap();
    std::fs::write(&xdg_config, "[user]\n\tname = Someone\n").unwrap();

    succeeds(&nblint_in(
        &repo,
        &home,
        None,
        &["git", "install", "--global"],
    ));
    assert!(!home.join(".gitconfig").exists());
    let written = std::fs::read_to_string(&xdg_config).unwrap();
    assert_contains(&written, "textconv = nblint show");
    succeeds(&nblint_in(&repo, &home, None, &["git", "status"]));

    succeeds(&nblint_in(
        &repo,
        &home,
        None,
        &["git", "uninstall", "--global"],
    ));
    assert_eq!(
        std::fs::read_to_string(&xdg_config).unwrap(),
        "[user]\n\tname = Someone\n"
    );
}

#[test]
fn a_linked_work_tree_installs_into_the_shared_config() {
    let temporary = tempfile::tempdir().unwrap();
    let (repo, home) = new_repository(temporary.path());
    let git = |args: &[&str]| git_in(&repo, &home, None, args);
    git(&["commit", "-q", "--allow-empty", "-m", "start"]);
    let linked = temporary.path().join("linked");
    git(&["worktree", "add", "-q", linked.to_str().unwrap()]);

    succeeds(&nblint_in(&linked, &home, None, &["git", "install"]));
    let shared = std::fs::read_to_string(repo.join(".git/config")).unwrap();
    assert_contains(&shared, "clean = nblint strip --stdin");
    assert!(linked.join(".gitattributes").exists());
    // git in the linked work tree sees it.
    succeeds(&nblint_in(&linked, &home, None, &["git", "status"]));

    succeeds(&nblint_in(&linked, &home, None, &["git", "uninstall"]));
    let shared = std::fs::read_to_string(repo.join(".git/config")).unwrap();
    assert_lacks(&shared, "nblint");
    assert!(!linked.join(".gitattributes").exists());
}
