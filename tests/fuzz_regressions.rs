//! Every input a fuzz target ever crashed on (`fuzz/regressions/<target>/`) is re-run here, through
//! the same entry point the fuzzer uses, so a fixed crash stays fixed. The seeds in `fixtures/`
//! also go through every target once, which keeps the harness itself from rotting: the fuzz
//! crate needs a nightly-flag build that CI does not do.

use std::path::Path;

use hedge::fuzzing;

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn every_recorded_crash_input_passes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut ran = 0;
    for dir in files_under(&root)
        .iter()
        .filter_map(|p| p.parent())
        .collect::<std::collections::BTreeSet<_>>()
    {
        let target = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        assert!(
            fuzzing::TARGETS.contains(&target),
            "{}: not a fuzz target name",
            dir.display()
        );
        for f in files_under(dir) {
            let data = std::fs::read(&f).unwrap();
            assert!(fuzzing::run(target, &data));
            ran += 1;
        }
    }
    eprintln!("{ran} regression inputs");
}

#[test]
fn every_target_runs_on_the_fixtures() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let files = files_under(&root);
    assert!(files.len() > 10);
    for target in fuzzing::TARGETS {
        for f in &files {
            let data = std::fs::read(f).unwrap();
            for lead in [0u8, 1, 6, 7] {
                let mut input = vec![lead];
                input.extend_from_slice(&data);
                assert!(fuzzing::run(target, &input));
            }
        }
    }
    assert!(!fuzzing::run("no-such-target", b""));
}

#[test]
fn the_fuzz_crate_lists_every_target() {
    let manifest =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"))
            .unwrap();
    for target in fuzzing::TARGETS {
        assert!(
            manifest.contains(&format!("name = \"{target}\"")),
            "fuzz/Cargo.toml has no [[bin]] {target}"
        );
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/fuzz_targets")
            .join(format!("{target}.rs"));
        let body = std::fs::read_to_string(&src).unwrap();
        assert!(
            body.contains(&format!("run(\"{target}\"")),
            "{}",
            src.display()
        );
    }
}

/// The `cache_files` target on the real cache files of a focus run over the demo, intact and
/// damaged at 400 places each: the seeds the fuzzer starts from, and a sweep it would take a
/// while to make.
#[test]
fn cache_files_target_survives_damaged_real_caches() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo");
    let d = tempfile::TempDir::new().unwrap();
    let demo = d.path().join("demo");
    assert!(std::process::Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&demo)
        .status()
        .unwrap()
        .success());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hedge"))
        .current_dir(&demo)
        .args([
            "check",
            "--cache",
            "--fail-on",
            "never",
            "gateway/litellm/config.yaml",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut seen = 0;
    for f in files_under(&demo.join(".hedge-cache")) {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        let lead = match name.split('-').next() {
            Some("graph") => 0u8,
            Some("walk") => 1,
            _ => continue,
        };
        let good = std::fs::read(&f).unwrap();
        let mut input = vec![lead];
        input.extend(&good);
        assert!(fuzzing::run("cache_files", &input));
        // 400 positions spread over each file: every byte, with the rules and reporters the
        // target runs on a graph, took 40 s
        for i in (1..input.len()).step_by((input.len() / 400).max(1)) {
            let mut bad = input.clone();
            bad[i] ^= 0xa5;
            fuzzing::run("cache_files", &bad);
            bad[i] = 0;
            fuzzing::run("cache_files", &bad);
        }
        seen += 1;
    }
    assert_eq!(seen, 2, "a graph cache and a walk record");
}
