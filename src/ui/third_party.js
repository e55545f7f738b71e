/*! The chat page's script bundles two libraries, unmodified, from Debian's packages (chosen over a
 *  Markdown parser of our own: a renderer whose output goes into the DOM must be a sanitizer's job,
 *  and both are small, maintained, and packaged by Debian with its security updates):
 *
 *  marked (Debian's libjs-marked, /usr/share/javascript/marked/marked.min.js)
 *    Copyright (c) 2018+, MarkedJS (https://github.com/markedjs/)
 *    Copyright (c) 2011-2022, Christopher Jeffrey (https://github.com/chjj/)
 *    Permission is hereby granted, free of charge, to any person obtaining a copy of this software
 *    and associated documentation files (the "Software"), to deal in the Software without
 *    restriction, including without limitation the rights to use, copy, modify, merge, publish,
 *    distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the
 *    Software is furnished to do so, subject to the following conditions:
 *    The above copyright notice and this permission notice shall be included in all copies or
 *    substantial portions of the Software.
 *    THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING
 *    BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
 *    NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
 *    DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
 *    OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
 *
 *  DOMPurify (Debian's node-dompurify, /usr/share/nodejs/dompurify/dist/purify.min.js)
 *    (c) Cure53 and other contributors. Dual licensed under the Apache License 2.0 and the Mozilla
 *    Public License 2.0; used here under the Mozilla Public License 2.0
 *    (https://mozilla.org/MPL/2.0/). Its source code: https://github.com/cure53/DOMPurify and
 *    Debian's node-dompurify source package.
 *
 *  Each library's own notice follows, as its package ships it.
 */
