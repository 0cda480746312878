// Starts `nblint server` for Jupyter notebooks. The server advertises notebook document
// sync for `jupyter-notebook` (Python, Rust, markdown and raw cells), so the language client
// sends every cell edit, cell move and execution summary, and shows the diagnostics the
// server publishes per cell, with its quick fixes, hover, definition and references.
import * as vscode from "vscode";
import {
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

/** The nblint binary: the `nblint.path` setting, else `nblint` on PATH. */
function serverCommand(): string {
  const configured = vscode.workspace
    .getConfiguration("nblint")
    .get<string>("path", "")
    .trim();
  return configured !== "" ? configured : "nblint";
}

/** The settings the server reads (`select`, `extendSelect`, `ignore`, `config`). */
function serverSettings(): Record<string, unknown> {
  const settings = vscode.workspace.getConfiguration("nblint");
  const config = settings.get<string>("config", "").trim();
  return {
    select: settings.get<string[]>("select", []),
    extendSelect: settings.get<string[]>("extendSelect", []),
    ignore: settings.get<string[]>("ignore", []),
    config: config !== "" ? config : null,
  };
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const command = serverCommand();
  const serverOptions: ServerOptions = {
    run: { command, args: ["server"] },
    debug: { command, args: ["server"] },
  };
  const clientOptions: LanguageClientOptions = {
    // Cells of Jupyter notebooks only: plain .py and .rs files are not nblint's.
    documentSelector: [
      { notebook: "jupyter-notebook", language: "python" },
      { notebook: "jupyter-notebook", language: "rust" },
    ],
    initializationOptions: { nblint: serverSettings() },
    synchronize: {
      // Sends `workspace/didChangeConfiguration` with the `nblint` section.
      configurationSection: "nblint",
    },
  };
  client = new LanguageClient("nblint", "nblint", serverOptions, clientOptions);
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      // A new binary needs a new server process; other settings go over the protocol.
      if (event.affectsConfiguration("nblint.path") && client !== undefined) {
        await client.stop();
        client = new LanguageClient("nblint", "nblint", {
          run: { command: serverCommand(), args: ["server"] },
          debug: { command: serverCommand(), args: ["server"] },
        }, clientOptions);
        await client.start();
      }
    }),
  );
  try {
    await client.start();
  } catch (error) {
    void vscode.window.showErrorMessage(
      `nblint: could not start \`${command} server\` (set nblint.path, or install nblint: pip install nblint): ${String(error)}`,
    );
  }
}

export async function deactivate(): Promise<void> {
  if (client !== undefined) {
    await client.stop();
    client = undefined;
  }
}
