# Proposals for annotating frames of vtest.avi: MOG2 foreground blobs (green, numbered) and OpenCV HOG
# people detections (magenta), drawn at 1.5x with a pixel ruler; every box was then corrected by eye.
import cv2, json, sys
# usage: propose.py VTEST.AVI OUT_DIR  (frames 140, 160, ..., 760: each frame's JPEG and a drawing of its proposals)
import os
src, out_dir = sys.argv[1], sys.argv[2]
os.makedirs(out_dir, exist_ok=True)
cap = cv2.VideoCapture(src)
frames = list(range(140, 761, 20))
mog = cv2.createBackgroundSubtractorMOG2(history=300, varThreshold=25, detectShadows=True)
hog = cv2.HOGDescriptor(); hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
out = {}
i = 0
imgs = {}
# two passes: learn background over the whole clip first
allf = []
while True:
    ok, f = cap.read()
    if not ok: break
    allf.append(f)
for f in allf: mog.apply(f, learningRate=-1)
for idx in frames:
    f = allf[idx]
    m = mog.apply(f, learningRate=0)
    m = (m == 255).astype('uint8') * 255
    m = cv2.morphologyEx(m, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    m = cv2.morphologyEx(m, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 15)))
    cs, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = [list(cv2.boundingRect(c)) for c in cs if cv2.contourArea(c) > 150]
    boxes.sort(key=lambda b: (b[0]))
    hb, _ = hog.detectMultiScale(f, winStride=(4, 4), padding=(8, 8), scale=1.05)
    out[idx] = {'mog': boxes, 'hog': [list(map(int, b)) for b in hb]}
    cv2.imwrite(os.path.join(out_dir, f'vtest-{idx:03d}.jpg'), f, [cv2.IMWRITE_JPEG_QUALITY, 92])
    d = f.copy()
    for k, (x, y, w, h) in enumerate(boxes):
        cv2.rectangle(d, (x, y), (x + w, y + h), (0, 255, 0), 1)
        cv2.putText(d, str(k), (x, y - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 255, 255), 1)
    for (x, y, w, h) in out[idx]['hog']:
        cv2.rectangle(d, (x, y), (x + w, y + h), (255, 0, 255), 1)
    # grid every 50px for reading coordinates
    for gx in range(0, 768, 50): cv2.line(d, (gx, 0), (gx, 4), (255, 255, 255), 1); cv2.putText(d, str(gx), (gx+1, 12), cv2.FONT_HERSHEY_PLAIN, 0.7, (255,255,255), 1)
    for gy in range(0, 576, 50): cv2.line(d, (0, gy), (4, gy), (255, 255, 255), 1); cv2.putText(d, str(gy), (5, gy+4), cv2.FONT_HERSHEY_PLAIN, 0.7, (255,255,255), 1)
    d = cv2.resize(d, (1152, 864), interpolation=cv2.INTER_CUBIC)
    cv2.imwrite(os.path.join(out_dir, f'show-{idx:03d}.png'), d)
json.dump(out, open(os.path.join(out_dir, 'proposals.json'), 'w'))
print(len(allf), 'frames')
