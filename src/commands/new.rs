//! `qirvo new`: scaffold a working plugin (manifest, entry module, a test, editor types).

use std::path::PathBuf;

use super::Failure;

/// Create a working plugin: manifest, entry module, a test, editor types.
#[derive(clap::Args)]
pub struct NewArgs {
    /// The directory to create (must not exist, or be empty).
    dir: PathBuf,
    /// Write JavaScript instead of TypeScript.
    #[arg(long)]
    js: bool,
}

pub fn run(args: NewArgs) -> Result<(), Failure> {
    let NewArgs { dir, js } = args;
    scaffold(&dir, js).map_err(Failure::bad_input)?;
    if !super::output::quiet() {
        let shown = shell_quote(&dir.display().to_string());
        super::output::println(format_args!(
            "created {shown} — try: qirvo run {shown} --for 1s   and   qirvo test {shown}"
        ));
        // issue 19: packages come from the plugin's own node_modules/.
        super::output::println(format_args!(
            "packages: run `npm install <package>` in {shown}, then import it by name (see \"Using packages\" in docs/plugin-guide.md); `qirvo bundle {shown}` makes one file to ship"
        ));
    }
    Ok(())
}

/// `s` as one shell word: unchanged when it is plain, else in single quotes.
fn shell_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':' | '+' | '@' | ',')
        });
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The plugin's display name (the folder's name as written, `qirvo new .` included) and
/// its id (lowercase letters, digits, `.`, `_`, `-`; at most 128 characters).
fn names_for(dir: &std::path::Path) -> (String, String) {
    let folder = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            std::fs::canonicalize(dir)
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .filter(|n| !n.is_empty() && n != "." && n != "..")
        .unwrap_or_else(|| "plugin".into());
    let mut id = String::new();
    for c in folder.to_lowercase().chars() {
        let c = if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            c
        } else {
            '-'
        };
        // One dash for a run of unusable characters.
        if !(c == '-' && id.ends_with('-')) {
            id.push(c);
        }
    }
    let id: String = id
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .trim_end_matches('-')
        .chars()
        .take(128)
        .collect();
    let id = if id.is_empty() {
        "plugin".to_string()
    } else {
        id
    };
    (folder, id)
}

/// Writes a new plugin into `dir`.
fn scaffold(dir: &std::path::Path, js: bool) -> anyhow::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        anyhow::bail!("{}: already exists and is not empty", dir.display());
    }
    let (name, id) = names_for(dir);
    let ext = if js { "js" } else { "ts" };
    std::fs::create_dir_all(dir)?;
    let manifest = serde_json::json!({
        "$schema": "./manifest.schema.json",
        "id": id,
        "name": name,
        "version": "0.1.0",
        "main": format!("main.{ext}"),
        "permissions": [],
        "resources": { "memory": "64MB", "timeout": 5000 },
        "config": { "greeting": "Hello" }
    });
    std::fs::write(
        dir.join("manifest.schema.json"),
        super::schema::schema_text().map_err(|f| f.error)?,
    )?;
    // The data directory `qirvo run` and `qirvo test` write beside the plugin.
    std::fs::write(dir.join(".gitignore"), ".qirvo/\nnode_modules/\n")?;
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)? + "\n",
    )?;
    let main = if js {
        MAIN_JS.to_string()
    } else {
        format!("/// <reference path=\"./qirvo.d.ts\" />\n{MAIN_TS}")
    };
    std::fs::write(dir.join(format!("main.{ext}")), main)?;
    let test = if js {
        TEST_JS.to_string()
    } else {
        format!("/// <reference path=\"./qirvo.d.ts\" />\n{TEST_TS}")
    };
    std::fs::write(dir.join(format!("main.test.{ext}")), test)?;
    std::fs::write(dir.join("qirvo.d.ts"), include_str!("../../js/qirvo.d.ts"))?;
    std::fs::write(dir.join("tsconfig.json"), TSCONFIG)?;
    Ok(())
}

/// The editor and `tsc` configuration: the ECMAScript lib the engine has plus
/// `qirvo.d.ts` (the web platform and `qirvo`), and not TypeScript's "DOM" lib, whose
/// `document`, `localStorage`, `WebSocket`... a plugin does not have. `types: []` keeps
/// `@types/*` packages (Node's) out. `module: "ESNext"` allows JSON imports
/// `with { type: "json" }`; `allowJs` types imports of `.js` helpers from their source.
const TSCONFIG: &str = r#"{
  "compilerOptions": {
    "target": "ESNext",
    "module": "ESNext",
    "moduleResolution": "bundler",
    "resolveJsonModule": true,
    "allowImportingTsExtensions": true,
    "allowJs": true,
    "noEmit": true,
    "strict": true,
    "lib": ["ESNext"],
    "types": []
  },
  "files": ["qirvo.d.ts"],
  "include": ["**/*.ts", "**/*.js"]
}
"#;

const MAIN_TS: &str = r#"let greeting = "Hi";

export default {
  async initialize(ctx: QirvoContext<{ greeting?: string }>): Promise<void> {
    greeting = ctx.config.greeting ?? greeting;
    qirvo.log.info(`initialized ${ctx.id} ${ctx.version}`);
  },
  async start(): Promise<void> {
    qirvo.log.info("started");
  },
  async stop(): Promise<void> {
    qirvo.log.info("stopped");
  },
  healthCheck(): boolean {
    return true;
  },
} satisfies QirvoPlugin<{ greeting?: string }>;

export function greet(name: string): string {
  return `${greeting}, ${name}!`;
}

export async function countVisits(): Promise<number> {
  const visits = ((await qirvo.storage.get<number>("visits")) ?? 0) + 1;
  await qirvo.storage.set("visits", visits);
  return visits;
}
"#;

const TEST_TS: &str = r#"import { countVisits, greet } from "./main.ts";

// Tests run after the plugin's initialize, with the manifest's config ("greeting").
qirvo.test("greet says hello", () => {
  qirvo.assert.equal(greet("Ada"), "Hello, Ada!");
});

qirvo.test("visits are counted in storage", async () => {
  qirvo.assert.equal(await countVisits(), 1);
  qirvo.assert.equal(await countVisits(), 2);
});
"#;

const MAIN_JS: &str = r#"let greeting = "Hi";

export default {
  async initialize(ctx) {
    greeting = ctx.config.greeting ?? greeting;
    qirvo.log.info(`initialized ${ctx.id} ${ctx.version}`);
  },
  async start() {
    qirvo.log.info("started");
  },
  async stop() {
    qirvo.log.info("stopped");
  },
  healthCheck() {
    return true;
  },
};

export function greet(name) {
  return `${greeting}, ${name}!`;
}

export async function countVisits() {
  const visits = ((await qirvo.storage.get("visits")) ?? 0) + 1;
  await qirvo.storage.set("visits", visits);
  return visits;
}
"#;

const TEST_JS: &str = r#"import { countVisits, greet } from "./main.js";

// Tests run after the plugin's initialize, with the manifest's config ("greeting").
qirvo.test("greet says hello", () => {
  qirvo.assert.equal(greet("Ada"), "Hello, Ada!");
});

qirvo.test("visits are counted in storage", async () => {
  qirvo.assert.equal(await countVisits(), 1);
  qirvo.assert.equal(await countVisits(), 2);
});
"#;
