"""Publishing Markdown documents as blog posts (WordPress, Ghost, dev.to): front matter in
:mod:`.frontmatter`, the publish itself in :mod:`.publisher`."""
