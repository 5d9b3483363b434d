//! `qirvo completions <shell>`: a completion script from the command's own definition
//! (`clap_complete`), so it never drifts from the real flags.

use super::Failure;

/// Print a shell completion script: `qirvo completions bash > /etc/bash_completion.d/qirvo`,
/// `qirvo completions zsh > "${fpath[1]}/_qirvo"`, `qirvo completions fish >
/// ~/.config/fish/completions/qirvo.fish`.
#[derive(clap::Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    shell: clap_complete::Shell,
}

pub fn run(args: CompletionsArgs, mut command: clap::Command) -> Result<(), Failure> {
    let name = command.get_name().to_string();
    clap_complete::generate(args.shell, &mut command, name, &mut std::io::stdout());
    Ok(())
}
