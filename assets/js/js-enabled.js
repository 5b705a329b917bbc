// Mark the body as js-enabled (and govuk-frontend-supported where ES modules run) before it
// paints. Loaded by templates/layout/govuk_template.html in place of govuk-frontend-jinja's
// inline script, which the Content-Security-Policy forbids.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
