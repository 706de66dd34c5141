package dev.tieline.client

import java.util.concurrent.CompletableFuture
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CopyOnWriteArrayList
import java.util.concurrent.TimeUnit
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** The tree model against a scripted source; the real server is in ServerIntegrationTest. */
class PanelTreeTest {
    private class FakeSource : PanelSource {
        var panels = listOf(Panel("issues", "Issues", "issues"))
        val items = ConcurrentHashMap<Pair<String, String?>, List<TreeItem>>()
        val calls = CopyOnWriteArrayList<PanelItemsParams>()
        /** When set, panelItems answers with this future (so a test can hold it open). */
        @Volatile var gate: CompletableFuture<Unit>? = null

        override fun panels() = CompletableFuture.completedFuture(PanelsResult(panels))
        override fun panelItems(params: PanelItemsParams): CompletableFuture<PanelItemsResult> {
            calls.add(params)
            val answer = { PanelItemsResult(items[params.panelId to params.parentId].orEmpty()) }
            return gate?.thenApply { answer() } ?: CompletableFuture.completedFuture(answer())
        }
    }

    private fun item(id: String, children: Boolean = false) = TreeItem(id, "label $id", hasChildren = children)

    @Test
    fun `load fetches panels and their top levels, children on demand`() {
        val source = FakeSource()
        source.items["issues" to null] = listOf(item("a", children = true), item("b"))
        source.items["issues" to "a"] = listOf(item("a1"))
        val tree = PanelTree(source)
        tree.load().get(5, TimeUnit.SECONDS)
        assertEquals(listOf("a", "b"), tree.children("issues")!!.map { it.id })
        assertNull(tree.children("issues", "a"))
        tree.fetchChildren("issues", "a").get(5, TimeUnit.SECONDS)
        assertEquals("Issues\n  label a\n    label a1\n  label b\n", tree.render())
    }

    @Test
    fun `a change refetches every loaded node of that panel and tells listeners`() {
        val source = FakeSource()
        source.items["issues" to null] = listOf(item("a", children = true))
        source.items["issues" to "a"] = listOf(item("a1"))
        val tree = PanelTree(source)
        tree.load().get(5, TimeUnit.SECONDS)
        tree.fetchChildren("issues", "a").get(5, TimeUnit.SECONDS)
        val events = CopyOnWriteArrayList<PanelTreeEvent>()
        tree.addListener { events.add(it) }
        source.items["issues" to "a"] = listOf(item("a1"), item("a2"))
        tree.onPanelChanged(PanelChangedParams("issues")).get(5, TimeUnit.SECONDS)
        assertEquals(listOf("a1", "a2"), tree.children("issues", "a")!!.map { it.id })
        val loaded = events.filterIsInstance<PanelTreeEvent.ItemsLoaded>().map { it.parentId }.toSet()
        assertEquals(setOf(null, "a"), loaded)
    }

    @Test
    fun `an item change refetches only that item, and children of vanished items are dropped`() {
        val source = FakeSource()
        source.items["issues" to null] = listOf(item("a", children = true), item("b", children = true))
        source.items["issues" to "a"] = listOf(item("a1"))
        source.items["issues" to "b"] = listOf(item("b1"))
        val tree = PanelTree(source)
        tree.load().get(5, TimeUnit.SECONDS)
        tree.fetchChildren("issues", "a").get(5, TimeUnit.SECONDS)
        tree.fetchChildren("issues", "b").get(5, TimeUnit.SECONDS)
        source.calls.clear()
        tree.onPanelChanged(PanelChangedParams("issues", "b")).get(5, TimeUnit.SECONDS)
        assertEquals(listOf(PanelItemsParams("issues", "b")), source.calls.toList())

        source.items["issues" to null] = listOf(item("b", children = true))
        tree.fetchChildren("issues", null).get(5, TimeUnit.SECONDS)
        assertNull(tree.children("issues", "a"))
        assertEquals(listOf("b1"), tree.children("issues", "b")!!.map { it.id })
    }

    @Test
    fun `changes during a fetch coalesce into one more fetch`() {
        val source = FakeSource()
        val tree = PanelTree(source)
        tree.load().get(5, TimeUnit.SECONDS)
        source.calls.clear()
        val gate = CompletableFuture<Unit>()
        source.gate = gate
        repeat(5) { tree.onPanelChanged(PanelChangedParams("issues")) }
        assertEquals(1, source.calls.size)
        source.gate = null
        source.items["issues" to null] = listOf(item("new"))
        gate.complete(Unit)
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5)
        while (tree.children("issues")?.map { it.id } != listOf("new") && System.nanoTime() < deadline) Thread.sleep(10)
        assertEquals(listOf("new"), tree.children("issues")!!.map { it.id })
        assertEquals(2, source.calls.size)
    }

    @Test
    fun `a change for an unknown panel reloads the panel list`() {
        val source = FakeSource()
        val tree = PanelTree(source)
        tree.load().get(5, TimeUnit.SECONDS)
        source.panels = source.panels + Panel("prs", "Pull requests", "git-pull-request")
        source.items["prs" to null] = listOf(item("p"))
        tree.onPanelChanged(PanelChangedParams("prs")).get(5, TimeUnit.SECONDS)
        assertEquals(listOf("issues", "prs"), tree.panels.map { it.id })
        assertTrue(tree.children("prs")!!.isNotEmpty())
    }

    @Test
    fun `a failed fetch is reported and the cache kept`() {
        val source = object : PanelSource {
            var fail = false
            override fun panels() = CompletableFuture.completedFuture(PanelsResult(listOf(Panel("x", "X", "i"))))
            override fun panelItems(params: PanelItemsParams): CompletableFuture<PanelItemsResult> =
                if (fail) CompletableFuture.failedFuture(IllegalStateException("offline"))
                else CompletableFuture.completedFuture(PanelItemsResult(listOf(TreeItem("k", "kept"))))
        }
        val tree = PanelTree(source)
        tree.load().get(5, TimeUnit.SECONDS)
        val events = CopyOnWriteArrayList<PanelTreeEvent>()
        tree.addListener { events.add(it) }
        source.fail = true
        runCatching { tree.onPanelChanged(PanelChangedParams("x")).get(5, TimeUnit.SECONDS) }
        assertEquals("offline", events.filterIsInstance<PanelTreeEvent.Failed>().single().message)
        assertEquals(listOf("kept"), tree.children("x")!!.map { it.label })
    }
}
