package dev.tieline.client

import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList

/** Where a [PanelTree] gets its data: the server, or anything that answers like it. */
interface PanelSource {
    fun panels(): CompletableFuture<PanelsResult>
    fun panelItems(params: PanelItemsParams): CompletableFuture<PanelItemsResult>

    companion object {
        fun of(server: TielineServerApi): PanelSource = object : PanelSource {
            override fun panels() = server.panels()
            override fun panelItems(params: PanelItemsParams) = server.panelItems(params)
        }
    }
}

/** What changed in a [PanelTree]; a view redraws the named node (null parent: the panel). */
sealed interface PanelTreeEvent {
    /** The list of panels itself was (re)loaded. */
    data class PanelsLoaded(val panels: List<Panel>) : PanelTreeEvent

    /** The children of [parentId] (or the top level of [panelId]) were (re)loaded. */
    data class ItemsLoaded(val panelId: String, val parentId: String?, val items: List<TreeItem>) :
        PanelTreeEvent

    /** A fetch failed; the view keeps what it had and may show [message]. */
    data class Failed(val panelId: String?, val parentId: String?, val message: String) :
        PanelTreeEvent
}

/**
 * The server-described panels as a lazily loaded tree, the model behind the tool window.
 *
 * Top levels load with [load]; children load when a view expands a node ([fetchChildren]).
 * A `tieline/panel/changed` goes to [onPanelChanged]: the named node's children (or, without
 * an item, every node of that panel already loaded) are fetched again and listeners hear
 * about each. Fetches of the same node coalesce: while one is in flight, further changes mark
 * it stale and one more fetch follows. Views read the cache ([panels], [children]) on their own
 * thread; nothing here blocks.
 */
class PanelTree(private val source: PanelSource) {
    private data class Key(val panelId: String, val parentId: String?)

    private class Slot {
        var inFlight: CompletableFuture<List<TreeItem>>? = null
        var stale = false
    }

    @Volatile
    var panels: List<Panel> = emptyList()
        private set

    private val cache = ConcurrentHashMap<Key, List<TreeItem>>()
    private val slots = ConcurrentHashMap<Key, Slot>()
    private val listeners = CopyOnWriteArrayList<(PanelTreeEvent) -> Unit>()

    fun addListener(listener: (PanelTreeEvent) -> Unit): AutoCloseable {
        listeners.add(listener)
        return AutoCloseable { listeners.remove(listener) }
    }

    /** The cached children of a node (null [parentId]: the panel's top level); null if not loaded. */
    fun children(panelId: String, parentId: String? = null): List<TreeItem>? =
        cache[Key(panelId, parentId)]

    /** Loads the panels and each panel's top level. Completes when all of them have arrived. */
    fun load(): CompletableFuture<List<Panel>> =
        source.panels().thenCompose { result ->
            val loaded = result.panels
            val gone = panels.map { it.id }.toSet() - loaded.map { it.id }.toSet()
            cache.keys.removeIf { it.panelId in gone }
            panels = loaded
            emit(PanelTreeEvent.PanelsLoaded(loaded))
            val tops = loaded.map { fetchChildren(it.id, null) }
            CompletableFuture.allOf(*tops.toTypedArray()).thenApply { loaded }
        }.whenComplete { _, error ->
            if (error != null) emit(PanelTreeEvent.Failed(null, null, message(error)))
        }

    /** Fetches one node's children (again) and caches them. */
    fun fetchChildren(panelId: String, parentId: String?): CompletableFuture<List<TreeItem>> {
        val key = Key(panelId, parentId)
        val slot = slots.computeIfAbsent(key) { Slot() }
        synchronized(slot) {
            slot.inFlight?.let {
                slot.stale = true
                return it
            }
            val future = source.panelItems(PanelItemsParams(panelId, parentId))
                .thenApply { it.items }
            slot.inFlight = future
            future.whenComplete { items, error -> settle(key, slot, items, error) }
            return future
        }
    }

    /** Handles `tieline/panel/changed`: refetch what it names. */
    fun onPanelChanged(params: PanelChangedParams): CompletableFuture<*> {
        if (panels.none { it.id == params.panelId }) return load() // a new panel: reload the list
        if (params.itemId != null) return fetchChildren(params.panelId, params.itemId)
        val loaded = cache.keys.filter { it.panelId == params.panelId }.map { it.parentId }
        val targets = (listOf<String?>(null) + loaded).distinct()
        return CompletableFuture.allOf(
            *targets.map { fetchChildren(params.panelId, it) }.toTypedArray(),
        )
    }

    /** A plain-text picture of what is loaded, one node a line (for logs and tests). */
    fun render(): String = buildString {
        for (panel in panels) {
            appendLine(panel.title)
            renderLevel(panel.id, null, 1)
        }
    }

    private fun StringBuilder.renderLevel(panelId: String, parentId: String?, depth: Int) {
        for (item in cache[Key(panelId, parentId)].orEmpty()) {
            append("  ".repeat(depth)).append(item.label)
            item.description?.let { append(" — ").append(it) }
            appendLine()
            if (item.hasChildren) renderLevel(panelId, item.id, depth + 1)
        }
    }

    private fun settle(key: Key, slot: Slot, items: List<TreeItem>?, error: Throwable?) {
        val again: Boolean
        synchronized(slot) {
            slot.inFlight = null
            again = slot.stale
            slot.stale = false
        }
        if (error != null) {
            emit(PanelTreeEvent.Failed(key.panelId, key.parentId, message(error)))
        } else if (items != null) {
            cache[key] = items
            // Children of items that no longer exist are forgotten.
            val ids = items.map { it.id }.toSet()
            if (key.parentId == null) {
                cache.keys.removeIf { it.panelId == key.panelId && it.parentId != null && !reachable(it, ids) }
            }
            emit(PanelTreeEvent.ItemsLoaded(key.panelId, key.parentId, items))
        }
        if (again) fetchChildren(key.panelId, key.parentId)
    }

    /** Is [key]'s parent among the top-level [ids] or a descendant of one that is cached? */
    private fun reachable(key: Key, ids: Set<String>): Boolean {
        if (key.parentId in ids) return true
        return cache.entries.any { (k, v) ->
            k.panelId == key.panelId && k.parentId != null && k.parentId in ids &&
                v.any { it.id == key.parentId }
        }
    }

    private fun emit(event: PanelTreeEvent) = listeners.forEach { it(event) }

    private fun message(error: Throwable): String {
        val cause = (error as? java.util.concurrent.CompletionException)?.cause ?: error
        return cause.message ?: cause.javaClass.simpleName
    }
}
