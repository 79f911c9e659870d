/*
 * Answering a survey: after htmx swaps in the next step, give the page that step's title and
 * move the focus to its heading, so screen-reader and keyboard users land on the new step
 * (the button they pressed is gone). Without JavaScript every step is a full page anyway.
 */
document.addEventListener("htmx:afterSwap", function () {
  var step = document.getElementById("answer-step");
  if (!step) {
    return;
  }
  if (step.dataset.title) {
    document.title = step.dataset.title;
  }
  var heading = step.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
});
