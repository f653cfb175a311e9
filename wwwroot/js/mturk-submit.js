// The done page of an MTurk study (Pages/Participate/Done.cshtml): submits the HIT form after the
// delay its data-auto-submit-ms attribute gives, as if the worker had pressed the button.
(function () {
    var form = document.getElementById('mturk-submit');
    if (!form) return;
    var delay = parseInt(form.getAttribute('data-auto-submit-ms'), 10);
    if (delay >= 0) setTimeout(function () { form.submit(); }, delay);
})();
