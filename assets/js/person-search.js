// Suggest people as they are typed in a person search (templates/admin/_find_person.html).
// The search works without this: its form asks the server (GET ?person=) and the page lists
// the people found. Here GOV.UK's accessible-autocomplete takes the place of the text box,
// suggests the people the server would find (its JSON at the form's data-source, which answers
// only for those who may choose them), and choosing one sends the search for exactly that
// person, whose radio the page then shows already checked.
import './accessible-autocomplete.min.js'

const MIN_LENGTH = 2

const PAUSE_MS = 150 // asks once typing pauses, not at every key

function suggestions (source) {
  let asked = 0
  let waiting
  return function (query, populate) {
    const ask = ++asked
    clearTimeout(waiting)
    waiting = setTimeout(() => {
      const url = new URL(source, window.location.href)
      url.searchParams.set('q', query)
      fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' })
        .then((response) => response.ok ? response.json() : { people: [] })
        .then((found) => { if (ask === asked) populate(found.people) }) // only the latest
        .catch(() => { if (ask === asked) populate([]) })
    }, PAUSE_MS)
  }
}

function enhance (form) {
  const input = form.querySelector('input[name="person"]')
  if (!input) return
  const container = document.createElement('div')
  container.className = 'app-person-search__autocomplete'
  input.parentNode.insertBefore(container, input)
  const { id, name, value } = input
  const describedBy = input.getAttribute('aria-describedby')
  input.remove()
  self.accessibleAutocomplete({
    element: container,
    id,
    name,
    defaultValue: value,
    minLength: MIN_LENGTH,
    confirmOnBlur: false,
    showNoOptionsFound: true,
    inputClasses: 'govuk-input',
    menuAttributes: describedBy ? { 'aria-describedby': describedBy } : {},
    source: suggestions(form.dataset.source),
    templates: {
      inputValue: (person) => person ? person.label : '',
      suggestion: (person) => typeof person === 'string' ? person : person.label
    },
    tNoResults: () => 'Nobody found',
    onConfirm: (person) => {
      if (!person) return
      form.querySelector('#' + CSS.escape(id)).value = person.label
      form.submit()
    }
  })
  if (describedBy) {
    const field = form.querySelector('#' + CSS.escape(id))
    field.setAttribute('aria-describedby', [describedBy, field.getAttribute('aria-describedby')].filter(Boolean).join(' '))
  }
}

export function initPersonSearches () {
  document.querySelectorAll('[data-module="app-person-search"]').forEach(enhance)
}
