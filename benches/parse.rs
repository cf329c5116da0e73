//! Parse throughput per format, hedge's lowering next to the crate it wraps.
//!
//! `cargo bench --bench parse` prints, for each format, the raw crate parse (`raw`) and
//! hedge's parse into its spanned tree (`hedge`) over the same generated input, with MB/s.
//! The design target is hedge within 2x of the raw crate.

use divan::counter::BytesCount;
use divan::{black_box, Bencher};
use hedge::parse::{self, Format};
use hedge::source::{Encoding, SourceFile};

fn main() {
    divan::main();
}

/// About 4 MB per format, shaped like the configs hedge reads.
fn input(format: Format) -> String {
    let mut s = String::new();
    let n = 6_000;
    match format {
        Format::Yaml => {
            for i in 0..n {
                s.push_str(&format!(
                    "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: svc-{i}\n  labels: {{app: svc-{i}, tier: \"backend\"}}\nspec:\n  replicas: {}\n  template:\n    spec:\n      containers:\n        - name: app\n          image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/svc:{i}\n          env:\n            - name: OPENAI_API_KEY  # from the secret\n              valueFrom: {{secretKeyRef: {{name: llm, key: openai}}}}\n          ports: [{{containerPort: 8080}}]\n",
                    i % 3
                ));
            }
        }
        Format::Json => {
            s.push_str("[\n");
            for i in 0..n {
                s.push_str(&format!(
                    "  {{\"strategy\": {{\"mode\": \"fallback\", \"on_status_codes\": [429, 500, 503]}}, \"id\": {i}, \"targets\": [{{\"provider\": \"openai\", \"override_params\": {{\"model\": \"gpt-4o\", \"temperature\": 0.{i}}}}}, {{\"provider\": \"anthropic\", \"weight\": 0.5, \"virtual_key\": \"vk-{i}\"}}], \"cache\": {{\"mode\": \"semantic\", \"max_age\": 3600}}, \"enabled\": true, \"note\": null}},\n"
                ));
            }
            s.push_str("  {}\n]\n");
        }
        Format::Toml => {
            for i in 0..n {
                s.push_str(&format!(
                    "[[contracts]]\nvendor = \"vendor-{i}\" # owner: platform\nstart = 2026-01-01\nend = 2027-01-31\nauto_renew = true\nnotice_days = {i}\nregions = [\"us-east-1\", \"eu-west-1\"]\nlimits = {{ rpm = 1_000, tpm = 200_000 }}\nmodels = [\"gpt-4o*\", \"o3*\"]\n\n"
                ));
            }
        }
        Format::Hcl => {
            for i in 0..n {
                s.push_str(&format!(
                    "resource \"aws_db_instance\" \"db_{i}\" {{\n  engine   = \"postgres\"\n  multi_az = {}\n  region   = var.region # primary\n  name     = \"${{local.prefix}}-{i}\"\n  tags     = {{ Name = \"db-{i}\", team = \"ml\" }}\n  ports    = [5432, 5433]\n  ingress {{\n    from = {i}\n  }}\n}}\n\n",
                    i % 2 == 0
                ));
            }
        }
        Format::Dotenv => {
            for i in 0..n * 4 {
                s.push_str(&format!(
                    "# key {i}\nOPENAI_API_KEY_{i}=sk-{i}-abcdefghijklmnop\nexport REGION_{i}=\"us-east-1\" # primary\n"
                ));
            }
        }
        Format::Properties => {
            for i in 0..n * 4 {
                s.push_str(&format!(
                    "# model {i}\nspring.ai.openai.chat.options.model.{i}=gpt-4o\nspring.ai.openai.api-key.{i} = ${{OPENAI_API_KEY}}\n"
                ));
            }
        }
    }
    s
}

fn file(format: Format) -> SourceFile {
    SourceFile::new("bench".into(), input(format), Encoding::Utf8)
}

const FORMATS: [Format; 6] = Format::ALL;

#[divan::bench(args = FORMATS)]
fn hedge(bencher: Bencher, format: Format) {
    let f = file(format);
    bencher
        .counter(BytesCount::of_str(&f.text))
        .bench(|| black_box(parse::parse(format, black_box(&f))));
}

#[divan::bench(args = [Format::Yaml, Format::Json, Format::Toml, Format::Hcl])]
fn raw(bencher: Bencher, format: Format) {
    let f = file(format);
    let text = f.text.as_str();
    bencher
        .counter(BytesCount::of_str(text))
        .bench(|| match format {
            Format::Yaml => {
                let mut n = 0usize;
                let mut p = granit_parser::Parser::new_from_str(black_box(text));
                while let Some(Ok(ev)) = p.next_event() {
                    n += black_box(&ev).1.byte_range().map_or(0, |r| r.len());
                }
                n
            }
            Format::Json => {
                let r = jsonc_parser::parse_to_ast(
                    black_box(text),
                    &Default::default(),
                    &Default::default(),
                );
                black_box(r.is_ok()) as usize
            }
            Format::Toml => black_box(toml::de::DeTable::parse(black_box(text)).is_ok()) as usize,
            Format::Hcl => {
                black_box(hcl_edit::parser::parse_body(black_box(text)).is_ok()) as usize
            }
            _ => 0,
        });
}
