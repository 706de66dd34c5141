package dev.tieline.client

import java.io.PrintWriter
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.ExecutorService
import java.util.concurrent.Executors
import java.util.concurrent.Future
import java.util.concurrent.TimeUnit
import org.eclipse.lsp4j.ClientCapabilities
import org.eclipse.lsp4j.ClientInfo
import org.eclipse.lsp4j.CodeActionCapabilities
import org.eclipse.lsp4j.CodeActionKindCapabilities
import org.eclipse.lsp4j.CodeActionLiteralSupportCapabilities
import org.eclipse.lsp4j.CodeLensCapabilities
import org.eclipse.lsp4j.CompletionCapabilities
import org.eclipse.lsp4j.CompletionItemCapabilities
import org.eclipse.lsp4j.DocumentLinkCapabilities
import org.eclipse.lsp4j.ExecuteCommandCapabilities
import org.eclipse.lsp4j.HoverCapabilities
import org.eclipse.lsp4j.InitializeParams
import org.eclipse.lsp4j.InitializeResult
import org.eclipse.lsp4j.InitializedParams
import org.eclipse.lsp4j.MarkupKind
import org.eclipse.lsp4j.ShowDocumentCapabilities
import org.eclipse.lsp4j.SynchronizationCapabilities
import org.eclipse.lsp4j.TextDocumentClientCapabilities
import org.eclipse.lsp4j.WindowClientCapabilities
import org.eclipse.lsp4j.WorkspaceClientCapabilities
import org.eclipse.lsp4j.WorkspaceFolder
import org.eclipse.lsp4j.jsonrpc.Launcher

/**
 * One running `tieline serve` and the LSP4J connection to it over stdio.
 *
 * Lifecycle: [start] → [initialize] → requests through [server] → [close] (LSP `shutdown` and
 * `exit`, stdin closed, then the process and anything it started are ended if they linger).
 */
class TielineConnection private constructor(
    val process: Process,
    val server: TielineServerApi,
    val client: TielineLanguageClient,
    private val listening: Future<Void>,
    private val executor: ExecutorService,
) : AutoCloseable {
    @Volatile
    var initializeResult: InitializeResult? = null
        private set

    /** `initialize` + `initialized` for one workspace folder. */
    fun initialize(
        root: Path,
        initializationOptions: Any? = null,
        timeout: Duration = Duration.ofSeconds(30),
    ): InitializeResult {
        val uri = root.toUri().toString().removeSuffix("/")
        val params = InitializeParams().apply {
            processId = ProcessHandle.current().pid().toInt()
            clientInfo = ClientInfo(CLIENT_NAME, CLIENT_VERSION)
            workspaceFolders = listOf(WorkspaceFolder(uri, root.fileName?.toString() ?: uri))
            @Suppress("DEPRECATION")
            rootUri = uri
            capabilities = clientCapabilities()
            this.initializationOptions = initializationOptions
        }
        val result = server.initialize(params).get(timeout.toMillis(), TimeUnit.MILLISECONDS)
        server.initialized(InitializedParams())
        initializeResult = result
        return result
    }

    /** The server's process and what it started, as of now. */
    fun processTree(): List<ProcessHandle> =
        listOf(process.toHandle()) + process.toHandle().descendants().toList()

    /**
     * Ends the session the polite way, then makes sure: `shutdown`, `exit`, stdin closed; a
     * process (or child of it) still alive after [timeout] is destroyed, forcibly if need be.
     * Returns the server's exit code.
     */
    fun shutdown(timeout: Duration = Duration.ofSeconds(10)): Int {
        val tree = processTree()
        if (process.isAlive) {
            runCatching {
                server.shutdown().get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                server.exit()
            }
        }
        runCatching { process.outputStream.close() }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            tree.forEach { it.destroy() }
            if (!process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                tree.forEach { it.destroyForcibly() }
                process.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)
            }
        }
        // Children the server started but did not end (it should have) go too.
        tree.filter { it.isAlive }.forEach { it.destroyForcibly() }
        listening.cancel(true)
        executor.shutdownNow()
        return if (process.isAlive) -1 else process.exitValue()
    }

    override fun close() {
        shutdown()
    }

    companion object {
        const val CLIENT_NAME = "Tieline for JetBrains"
        const val CLIENT_VERSION = "0.1.0"
        private val GRACE: Duration = Duration.ofSeconds(5)

        /**
         * Starts [command] and connects [client] to it. The server's stderr goes to [stderrLog]
         * (appended) or is discarded; [trace] receives every JSON-RPC message when given.
         */
        fun start(
            command: ServerCommand,
            client: TielineLanguageClient = TielineLanguageClient(),
            stderrLog: Path? = null,
            trace: PrintWriter? = null,
        ): TielineConnection {
            val builder = ProcessBuilder(command.command)
            command.workingDirectory?.let { builder.directory(it.toFile()) }
            builder.environment().putAll(command.environment)
            builder.redirectError(
                stderrLog?.let { ProcessBuilder.Redirect.appendTo(it.toFile()) }
                    ?: ProcessBuilder.Redirect.DISCARD,
            )
            val process = builder.start()
            val executor = Executors.newCachedThreadPool { r ->
                Thread(r, "tieline-lsp").apply { isDaemon = true }
            }
            val launcher = Launcher.Builder<TielineServerApi>()
                .setLocalService(client)
                .setRemoteInterface(TielineServerApi::class.java)
                .setInput(process.inputStream)
                .setOutput(process.outputStream)
                .setExecutorService(executor)
                .apply { if (trace != null) traceMessages(trace) }
                .create()
            val listening = launcher.startListening()
            return TielineConnection(process, launcher.remoteProxy, client, listening, executor)
        }

        /** What this client can do, as LSP client capabilities. */
        fun clientCapabilities(): ClientCapabilities = ClientCapabilities().apply {
            workspace = WorkspaceClientCapabilities().apply {
                configuration = true
                workspaceFolders = true
                executeCommand = ExecuteCommandCapabilities(false)
            }
            textDocument = TextDocumentClientCapabilities().apply {
                synchronization = SynchronizationCapabilities(false, false, false)
                hover = HoverCapabilities(listOf(MarkupKind.MARKDOWN, MarkupKind.PLAINTEXT), false)
                codeLens = CodeLensCapabilities(false)
                documentLink = DocumentLinkCapabilities(false, true)
                completion = CompletionCapabilities(CompletionItemCapabilities(false))
                codeAction = CodeActionCapabilities(
                    CodeActionLiteralSupportCapabilities(
                        CodeActionKindCapabilities(listOf("quickfix", "refactor", "source")),
                    ),
                    false,
                )
            }
            window = WindowClientCapabilities().apply {
                workDoneProgress = true
                showDocument = ShowDocumentCapabilities(true)
            }
        }
    }
}
