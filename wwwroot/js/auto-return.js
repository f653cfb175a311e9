// The done page with a recruiter's return address (Pages/Participate/Done.cshtml): follows the
// return link after the delay its data-auto-return-ms attribute gives, unless the participant
// presses "Stay on this page" (a timed change of page must be one they can turn off, WCAG 2.2.1).
(function () {
    var link = document.getElementById('return-link');
    if (!link) return;
    var delay = parseInt(link.getAttribute('data-auto-return-ms'), 10);
    if (!(delay >= 0)) return;
    var timer = setTimeout(function () { window.location.assign(link.href); }, delay);
    var stay = document.getElementById('stay-here');
    if (stay) {
        stay.addEventListener('click', function () {
            clearTimeout(timer);
            document.getElementById('auto-return-note').hidden = true;
            link.focus();
        });
    }
})();
