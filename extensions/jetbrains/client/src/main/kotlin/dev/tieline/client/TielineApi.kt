/*
 * The two directions of the Tieline protocol as LSP4J service interfaces. LSP4J reads the
 * annotations to route JSON-RPC messages; the same interfaces serve this module's own
 * connection (TielineConnection) and LSP4IJ in the plugin (LanguageServerFactory.getServerInterface).
 */
package dev.tieline.client

import java.util.concurrent.CompletableFuture
import org.eclipse.lsp4j.jsonrpc.services.JsonNotification
import org.eclipse.lsp4j.jsonrpc.services.JsonRequest
import org.eclipse.lsp4j.services.LanguageClient
import org.eclipse.lsp4j.services.LanguageServer

/** What the editor may ask the Tieline server, on top of standard LSP. */
interface TielineServerApi : LanguageServer {
    /** The panels to show. */
    @JsonRequest(Methods.PANELS)
    fun panels(): CompletableFuture<PanelsResult>

    /** The items of a panel, or the children of one item. */
    @JsonRequest(Methods.PANEL_ITEMS)
    fun panelItems(params: PanelItemsParams): CompletableFuture<PanelItemsResult>

    /** Integration health. */
    @JsonRequest(Methods.STATUS)
    fun status(): CompletableFuture<StatusResult>

    /** Installed connectors: capabilities, sign-in methods, accounts, health. */
    @JsonRequest(Methods.CONNECTORS)
    fun connectors(): CompletableFuture<ConnectorsResult>

    /** Start signing in; a device code or browser URL comes back (see [SignIn]). */
    @JsonRequest(Methods.AUTH_SIGN_IN)
    fun signIn(params: SignInParams): CompletableFuture<SignInResult>

    /** Forget an account's credentials. */
    @JsonRequest(Methods.AUTH_SIGN_OUT)
    fun signOut(params: SignOutParams): CompletableFuture<SignOutResult>

    /** Which accounts are signed in. */
    @JsonRequest(Methods.AUTH_STATUS)
    fun authStatus(params: AuthStatusParams): CompletableFuture<AuthStatusResult>

    /** Re-run, cancel, retry or play a CI pipeline or job. */
    @JsonRequest(Methods.CI_ACT)
    fun ciAct(params: CIActParams): CompletableFuture<CIActResult>

    /** The pipelines the workspace's CI can start by hand, with their inputs. */
    @JsonRequest(Methods.CI_TRIGGERS)
    fun ciTriggers(params: CITriggersParams): CompletableFuture<CITriggersResult>

    /** Start one of [ciTriggers]. */
    @JsonRequest(Methods.CI_TRIGGER)
    fun ciTrigger(params: CITriggerParams): CompletableFuture<CITriggerResult>

    /** A page of a CI job's log (`tieline-log:` URI), from an offset. */
    @JsonRequest(Methods.LOG)
    fun log(params: LogParams): CompletableFuture<LogResult>
}

/** What the Tieline server may tell the editor, on top of standard LSP. */
interface TielineClientApi : LanguageClient {
    /** A panel's items changed; the shell asks for them again. */
    @JsonNotification(Methods.PANEL_CHANGED)
    fun panelChanged(params: PanelChangedParams)

    /** A log read with `tieline/log` grew or was laid out anew; a shell showing it reads on. */
    @JsonNotification(Methods.LOG_CHANGED)
    fun logChanged(params: LogChangedParams)

    /**
     * Part of what `tieline/status` answers changed by itself (a sync round started or ended,
     * focus started or ended): a shell showing the status asks for it again. Ignored unless a
     * client wants it, so a client written before protocol 1.5 keeps compiling.
     */
    @JsonNotification(Methods.STATUS_CHANGED)
    fun statusChanged(params: StatusChangedParams) {}
}
