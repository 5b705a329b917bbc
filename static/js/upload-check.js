// The progress page of a large upload works without JavaScript (its "Check again" link).
// With it, the page asks again every few seconds: it goes on to the preview (or the mapping
// page) once the check is done, and otherwise updates the status it announces.
const status = document.querySelector('[data-upload-check]')

async function askAgain () {
  let response
  try {
    response = await fetch(window.location.href, { credentials: 'same-origin' })
  } catch (error) {
    window.setTimeout(askAgain, 5000)
    return
  }
  if (response.redirected) {
    window.location.assign(response.url)
    return
  }
  const page = new DOMParser().parseFromString(await response.text(), 'text/html')
  const now = page.querySelector('[data-upload-check]')
  if (!now) {
    window.location.reload() // the check failed: show its problems
    return
  }
  if (now.textContent !== status.textContent) {
    status.textContent = now.textContent
  }
  window.setTimeout(askAgain, 3000)
}

if (status) {
  window.setTimeout(askAgain, 2000)
}
