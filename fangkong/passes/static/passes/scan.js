// Camera scan of a pass's QR code, where the browser has the Shape Detection API (BarcodeDetector: Chrome on
// Android). Elsewhere the text field takes a scanner's keyboard input or a typed code, as before.
(function () {
  "use strict";

  function start() {
    const box = document.querySelector("[data-camera-label]");
    const form = box && box.querySelector("form");
    const field = form && form.querySelector("input[name=code]");
    if (!field || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.id = "camera-scan";
    button.textContent = box.dataset.cameraLabel;
    const video = document.createElement("video");
    video.className = "scan-video";
    video.setAttribute("playsinline", "");
    video.muted = true;
    video.hidden = true;
    form.insertBefore(button, form.firstChild);
    form.insertBefore(video, button.nextSibling);

    let stream = null;
    function stop() {
      if (stream) stream.getTracks().forEach((track) => track.stop());
      stream = null;
      video.hidden = true;
    }

    button.addEventListener("click", async () => {
      if (stream) return stop();
      let detector;
      try {
        detector = new window.BarcodeDetector({ formats: ["qr_code"] });
        stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
      } catch (err) {
        stop();
        return;
      }
      video.srcObject = stream;
      video.hidden = false;
      await video.play();
      const tick = async () => {
        if (!stream) return;
        try {
          const codes = await detector.detect(video);
          if (codes.length) {
            field.value = codes[0].rawValue;
            stop();
            form.requestSubmit();
            return;
          }
        } catch (err) {
          // a frame that could not be read: try the next one
        }
        window.requestAnimationFrame(tick);
      };
      tick();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
