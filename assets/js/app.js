// Start GOV.UK Frontend's components. Loaded as <script type="module" src=...>, so it runs
// after parsing, only in browsers GOV.UK Frontend supports, and needs no inline script.
// static/js/js-enabled.js has already added the body classes initAll() looks for.
import { initAll } from './govuk-frontend.min.js'

initAll()

// The person search's suggestions, only on the pages that have one.
if (document.querySelector('[data-module="app-person-search"]')) {
  import('./person-search.js').then((module) => module.initPersonSearches())
}
