//! The built-in rule packs, embedded in the binary so `hedge check` works with no setup.
//! A test checks that every file under `rules/` is listed here.

pub const PACKS: &[(&str, &str)] = &[
    ("rules/kinds.yaml", include_str!("../../rules/kinds.yaml")),
    (
        "rules/kubernetes.yaml",
        include_str!("../../rules/kubernetes.yaml"),
    ),
    (
        "rules/terraform.yaml",
        include_str!("../../rules/terraform.yaml"),
    ),
    (
        "rules/ai-gateways.yaml",
        include_str!("../../rules/ai-gateways.yaml"),
    ),
    (
        "rules/credentials.yaml",
        include_str!("../../rules/credentials.yaml"),
    ),
    (
        "rules/single-cloud.yaml",
        include_str!("../../rules/single-cloud.yaml"),
    ),
    ("rules/routes.yaml", include_str!("../../rules/routes.yaml")),
    ("rules/graph.yaml", include_str!("../../rules/graph.yaml")),
    (
        "rules/contracts.yaml",
        include_str!("../../rules/contracts.yaml"),
    ),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_pack_under_rules_is_embedded_and_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
        // the vendor registry lives beside the packs but is loaded by the graph module
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| format!("rules/{}", e.unwrap().file_name().to_string_lossy()))
            .filter(|n| n != crate::graph::registry::BUILTIN.0)
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = super::PACKS.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(on_disk, embedded);
        if let Err(e) = crate::engine::load::load(&[]) {
            panic!("built-in packs do not load: {:#?}", e.diagnostics);
        }
    }
}
