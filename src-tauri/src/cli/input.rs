//! Secrets from stdin (one per line, in the order the command asks) or a no-echo prompt.

use super::*;

/// Secrets from stdin, one per line, in the order the command asks for them; or a prompt without
/// echo when stdin is a terminal and the flag was not given.
#[derive(Default)]
pub(super) struct StdinLines {
    lines: Option<std::vec::IntoIter<String>>,
}

impl StdinLines {
    pub(super) fn next_line(&mut self, what: &str) -> Result<String, Failure> {
        if self.lines.is_none() {
            let mut text = String::new();
            std::io::stdin()
                .lock()
                .read_to_string(&mut text)
                .map_err(|e| fail(format!("could not read stdin: {e}")))?;
            let lines: Vec<String> = text
                .lines()
                .map(|l| l.trim_end_matches('\r').to_string())
                .collect();
            self.lines = Some(lines.into_iter());
        }
        match self.lines.as_mut().and_then(Iterator::next) {
            Some(line) if !line.is_empty() => Ok(line),
            _ => Err(fail(format!(
                "expected the {what} on its own line on stdin, found nothing"
            ))),
        }
    }

    pub(super) fn secret_from(
        &mut self,
        from_stdin: bool,
        what: &str,
        prompt: &str,
    ) -> Result<String, Failure> {
        if from_stdin {
            return self.next_line(what);
        }
        if !std::io::stdin().is_terminal() {
            return Err(fail(format!("no {what} given: pass it on stdin with the matching --...-stdin flag, or run in a terminal to be asked")));
        }
        let value = rpassword::prompt_password(prompt)
            .map_err(|e| fail(format!("could not read the {what}: {e}")))?;
        if value.is_empty() {
            return Err(fail(format!("the {what} is empty")));
        }
        Ok(value)
    }

    /// For --session-only: stdin if piped, else a prompt.
    pub(super) fn secret(&mut self, what: &str, prompt: &str) -> Result<String, Failure> {
        let piped = !std::io::stdin().is_terminal();
        self.secret_from(piped, what, prompt)
    }
}
